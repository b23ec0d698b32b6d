"""The compare page keeps its comparison in the database until either evaluation's results
change, and a large comparison that is not kept loads after the page, in the browser."""

from collections.abc import Iterator
from dataclasses import replace

import orjson
import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from tests.fixtures.server import (
    ACCOUNT_B,
    Server,
    free_port,
    server_env,
    start_server,
    stop_server,
)
from tests.web.conftest import Compared, screenshot, sign_in, web_client
from yardstick.db.engine import create_db_engine
from yardstick.evaluation.results_version import results_changed
from yardstick.models import EvaluationKeptResult

K = EvaluationKeptResult


@pytest.fixture
def database(compared: Compared) -> Iterator[Engine]:
    engine = create_db_engine(compared.server.database_url)
    yield engine
    engine.dispose()


def _url(compared: Compared, **more: str) -> str:
    query = {"baseline": compared.baseline_id, "candidate": compared.candidate_id, **more}
    return "/compare?" + "&".join(f"{k}={v}" for k, v in query.items())


def _forget(database: Engine, compared: Compared) -> None:
    with Session(database) as session, session.begin():
        session.execute(
            delete(K).where(
                K.evaluation_id.in_([compared.baseline_id, compared.candidate_id]),
                K.kind.startswith("compare:"),
            )
        )


def _kept_rows(database: Engine, compared: Compared) -> list[EvaluationKeptResult]:
    with Session(database) as session:
        return list(
            session.scalars(
                select(K).where(
                    K.evaluation_id == compared.candidate_id, K.kind.startswith("compare:")
                )
            )
        )


def _tamper(database: Engine, row: EvaluationKeptResult) -> None:
    """Make the kept comparison say something no computation says: a view showing it read
    the row."""
    kept = orjson.loads(row.payload)
    kept["comparison"]["pairing"]["by"] = "a-kept-row"
    with Session(database) as session, session.begin():
        session.execute(
            update(K)
            .where(K.evaluation_id == row.evaluation_id, K.kind == row.kind)
            .values(payload=orjson.dumps(kept))
        )


def test_a_comparison_is_kept_until_either_evaluations_results_change(
    compared: Compared, database: Engine
) -> None:
    _forget(database, compared)
    with web_client(compared.server) as client:
        first = client.get(_url(compared))
        assert first.status_code == 200 and "Verdicts" in first.text
        (row,) = _kept_rows(database, compared)
        assert row.compute_ms > 0
        # The next view is the kept row: what it says, the page shows.
        _tamper(database, row)
        assert "pairs by a-kept-row" in client.get(_url(compared)).text
        # The other way round is another comparison, kept under the baseline.
        swapped = client.get(
            f"/compare?baseline={compared.candidate_id}&candidate={compared.baseline_id}"
        )
        assert swapped.status_code == 200 and "pairs by a-kept-row" not in swapped.text
        # Either evaluation's results change: computed again, and kept again.
        for changed in (compared.baseline_id, compared.candidate_id):
            with Session(database) as session, session.begin():
                results_changed(session, [changed])
            again = client.get(_url(compared))
            assert again.status_code == 200 and "Verdicts" in again.text
            assert "pairs by a-kept-row" not in again.text
            (now,) = _kept_rows(database, compared)
            assert now.fingerprint != row.fingerprint
            row = now
            _tamper(database, row)
        _forget(database, compared)


@pytest.fixture
def lazy_server(compared: Compared) -> Iterator[Server]:
    """A second server on the same database that computes no comparison before answering."""
    base = compared.server
    port = free_port()
    server = replace(
        base,
        base_url=f"http://127.0.0.1:{port}",
        env=server_env(
            base.database_url,
            base.data_dir,
            YARDSTICK_UI_COMPARE_INLINE_CELLS="0",
        ),
        process=None,
        keys=dict(base.keys),
    )
    start_server(server, port=port, serve_args=("--no-worker",))
    try:
        yield server
    finally:
        stop_server(server)


def test_a_large_comparison_loads_after_the_page(
    compared: Compared, database: Engine, lazy_server: Server, context: BrowserContext
) -> None:
    _forget(database, compared)
    with web_client(lazy_server) as client:
        placeholder = client.get(_url(compared, alias="f1"))
        assert placeholder.status_code == 200
        assert 'hx-get="/compare/result?' in placeholder.text and "cells…" in placeholder.text
        assert "Verdicts" not in placeholder.text and not _kept_rows(database, compared)
        # Its part of the page, alone: what is wrong with a parameter is said there (the page
        # around it answered already), and another account's evaluations are not found.
        wrong = client.get(_url(compared, alias="nope").replace("/compare?", "/compare/result?"))
        assert wrong.status_code == 200 and 'role="alert"' in wrong.text
        assert "<code>alias</code>: &#39;nope&#39; is not one of the compared aliases" in wrong.text
    with web_client(lazy_server, ACCOUNT_B) as other:
        hidden = other.get(_url(compared).replace("/compare?", "/compare/result?"))
        assert hidden.status_code == 404 and compared.candidate_id not in hidden.text

    page = context.new_page()
    sign_in(page, lazy_server)
    page.goto(f"{lazy_server.base_url}{_url(compared)}")
    f1 = page.locator('table.verdicts tr[data-alias="f1"]')
    expect(f1).to_be_visible()
    expect(page.locator("#comparison[aria-busy]")).to_have_count(0)
    expect(page.locator("table.changes tbody tr").first).to_be_visible()
    screenshot(page, lazy_server, "compare-loaded-after")
    # Kept now: the same URL answers with the comparison in the page.
    with web_client(lazy_server) as client:
        inline = client.get(_url(compared))
        assert "Verdicts" in inline.text and 'hx-get="/compare/result?' not in inline.text
    _forget(database, compared)
