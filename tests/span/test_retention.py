"""YARDSTICK_SPAN_RETENTION_DAYS and YARDSTICK_TRACE_RUNS=false, on one server per backend:
old spans go (with their metadata index rows, full-text entries and assessments), recent ones
stay, the sweep deletes in bounded batches, and an untraced run writes no span."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from tests.conftest import BACKENDS, make_client
from tests.execution.helpers import chat_task, extra, items_of, wait_until_done
from tests.fixtures.engine_server import start_engine_server
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server, serve_once, server_env
from yardstick.db.engine import WRITE_OPTION, create_db_engine
from yardstick.models import Span, SpanMetadataValue
from yardstick.span import metadata_queue, retention
from yardstick.span.records import SpanWrite
from yardstick.span.run_trace_queue import write_run_spans


@pytest.fixture(scope="module", params=BACKENDS)
def sweeping_server(
    request: pytest.FixtureRequest,
    fake_model_server: FakeModels,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    backend: str = request.param
    yield from start_engine_server(
        backend,
        tmp_path_factory.mktemp(f"sweep-{backend}"),
        fake_model_server,
        YARDSTICK_TRACE_RUNS="false",
        YARDSTICK_SPAN_RETENTION_DAYS="1",
        YARDSTICK_SPAN_SWEEP_SECONDS="0.3",
    )


@pytest.fixture
def api(sweeping_server: Server) -> Iterator[httpx.Client]:
    headers = {
        "x-api-key": sweeping_server.keys[ACCOUNT_A],
        "x-selected-account-id": ACCOUNT_A,
    }
    with httpx.Client(base_url=sweeping_server.base_url, headers=headers, timeout=30) as http:
        yield http


def _span(span_id: str, started: datetime, term: str) -> dict[str, Any]:
    return {
        "id": span_id,
        "trace_id": f"trace-{span_id}",
        "name": "call",
        "start_timestamp": started.isoformat(),
        "end_timestamp": (started + timedelta(seconds=1)).isoformat(),
        "input": {"question": term},
        "metadata": {"batch": "retention"},
    }


def test_spans_older_than_the_retention_period_are_swept(api: httpx.Client) -> None:
    now = datetime.now(UTC)
    # A day old in a few seconds: young while they are written and assessed, then swept.
    soon_old = now - timedelta(days=1) + timedelta(seconds=4)
    old = [_span(f"old-{i}", soon_old - timedelta(minutes=i), "zyxwold") for i in range(3)]
    new = [_span(f"new-{i}", now - timedelta(hours=1), "zyxwnew") for i in range(2)]
    assert api.put("/v5/spans/batch", json={"items": old + new}).status_code == 200
    rated = api.post(
        "/v5/span-assessments",
        json={"assessment_type": "rating", "rating": 4, "trace_id": "trace-old-0"},
    )
    assert rated.status_code == 200, rated.text
    deadline = time.monotonic() + 30
    while api.get("/v5/spans/old-0").status_code != 404:
        assert time.monotonic() < deadline, "the sweep never deleted the old spans"
        time.sleep(0.2)
    assert [api.get(f"/v5/spans/{span['id']}").status_code for span in old + new] == [404] * 3 + [
        200
    ] * 2
    assert api.get(f"/v5/span-assessments/{rated.json()['assessment_id']}").status_code == 404

    def found(body: dict[str, Any]) -> list[str]:
        page = api.post("/v5/spans/search", json=body)
        assert page.status_code == 200, page.text
        return sorted(span["id"] for span in page.json()["items"])

    assert found({"search_texts": ["zyxwold"]}) == []
    assert found({"search_texts": ["zyxwnew"]}) == ["new-0", "new-1"]
    assert found({"extra_metadata": {"batch": "retention"}}) == ["new-0", "new-1"]


def test_an_untraced_run_writes_no_span(
    sweeping_server: Server, api: httpx.Client, fake_models: FakeModels
) -> None:
    client = make_client(sweeping_server)
    evaluation = client.evaluations.create(
        name="untraced", data=[{"input": "a"}, {"input": "b"}], tasks=[chat_task("answer")]
    )
    assert wait_until_done(client, evaluation.id).status == "completed"
    for item in items_of(client, evaluation.id):
        assert "trace_id" not in extra(item, "task_metadata")["answer"]
    page = api.post("/v5/spans/search", json={"extra_metadata": {"evaluation_id": evaluation.id}})
    assert page.json()["items"] == []


def test_a_sweep_deletes_in_bounded_batches(sweeping_server: Server) -> None:
    """Straight on the database: 2,500 old spans take three batches of at most 1,000, and only
    the old spans and their index rows go. "Old" is hours here, so the server's own sweep (a
    day) leaves these alone."""
    engine = create_db_engine(sweeping_server.database_url)
    # Write transactions as the server's (BEGIN IMMEDIATE on SQLite): the server writes to the
    # same file, and a deferred transaction that reads first cannot wait for it.
    writer = engine.execution_options(**{WRITE_OPTION: True})
    account = "sweep-batches"
    cutoff = datetime.now(UTC) - timedelta(hours=1)
    old = cutoff - timedelta(hours=1)
    spans = [
        SpanWrite(
            id=f"{account}-{i}",
            trace_id=f"{account}-trace",
            name="call",
            start_timestamp=old if i < 2500 else cutoff + timedelta(minutes=30),
            end_timestamp=(old if i < 2500 else cutoff + timedelta(minutes=30))
            + timedelta(seconds=1),
            input={"text": f"words {i}"},
            metadata={"n": i},
        )
        for i in range(2600)
    ]
    try:
        with writer.begin() as connection:
            connection.execute(
                text("INSERT INTO accounts (id, created_at) VALUES (:id, :now)"),
                {"id": account, "now": datetime.now(UTC).replace(tzinfo=None)},
            )
            write_run_spans(connection, account, spans)
            if connection.dialect.name == "sqlite":
                # Their metadata index rows now, not behind: the sweep must take those too.
                while metadata_queue.drain(connection, account_id=account):
                    pass
        counts = []
        while True:
            with writer.begin() as connection:
                counts.append(retention.sweep_batch(connection, account, cutoff))
            if counts[-1] < retention.BATCH:
                break
        assert counts == [1000, 1000, 500]
        with engine.connect() as connection:
            left = connection.scalar(
                select(func.count()).select_from(Span).where(Span.account_id == account)
            )
            indexed = connection.scalar(
                select(func.count())
                .select_from(SpanMetadataValue)
                .where(SpanMetadataValue.account_id == account)
            )
        assert (left, indexed) == (100, 100)
    finally:
        engine.dispose()


@pytest.mark.parametrize("days", ["0", "-1", "abc", "36501", "1e9"])
def test_a_retention_out_of_range_stops_the_start(tmp_path: Path, days: str) -> None:
    # 1e9 days once started the server and failed every sweep (a timedelta overflow).
    env = server_env(f"sqlite:///{tmp_path / 'yardstick.db'}", tmp_path / "data")
    env["YARDSTICK_SPAN_RETENTION_DAYS"] = days
    result = serve_once(env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: YARDSTICK_SPAN_RETENTION_DAYS: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
