"""The database goes away mid-run (PostgreSQL restarted, every connection dropped): the run
waits it out and completes, every cell stored exactly once and no model call made twice, and
the API answers 503s the clients retry by themselves in the meantime."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, text

from tests.conftest import make_client
from tests.execution.helpers import chat_task, extra, items_of, wait_until_done
from tests.fixtures.engine_server import engine_env
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.private_postgres import PrivatePostgres, private_postgres, server_on
from tests.fixtures.server import ACCOUNT_A, KEY_A, Server

ITEMS = 300
# 300 calls of 400 ms at 32 in flight take ~4 s, so the run is still under way when the
# database has stopped, however slowly `pg_ctl stop` returns (at 100 ms it once was not).
LATENCY_MS = 400
OUTAGE_SECONDS = 3


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    yield from private_postgres()


@pytest.fixture
def server(
    request: pytest.FixtureRequest,
    postgres: PrivatePostgres,
    tmp_path: Path,
    fake_models: FakeModels,
) -> Iterator[Server]:
    """A server on the private PostgreSQL; `request.param`, if any, adds to its environment."""
    extra_env: dict[str, str] = getattr(request, "param", {})
    yield from server_on(postgres, tmp_path, engine_env(fake_models, **extra_env))


def progress(client: SGPClient, evaluation_id: str) -> int:
    successful: int = extra(client.evaluations.retrieve(evaluation_id), "progress")["items"][
        "successful"
    ]
    return successful


def start_run(client: SGPClient, fake_models: FakeModels) -> str:
    """Start a run and wait until it is well under way."""
    fake_models.control(latency_ms=LATENCY_MS)
    evaluation = client.evaluations.create(
        name="restart", data=[{"input": f"q{i}"} for i in range(ITEMS)], tasks=[chat_task("answer")]
    )
    deadline = time.monotonic() + 60
    while progress(client, evaluation.id) < 30:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)
    return evaluation.id


def test_a_run_survives_a_database_restart(
    server: Server, postgres: PrivatePostgres, fake_models: FakeModels
) -> None:
    client = make_client(server, max_retries=10)
    evaluation_id = start_run(client, fake_models)

    postgres.stop()
    assert fake_models.stats()["total"] < ITEMS  # the database left mid-run
    # Meanwhile the API says "try again" rather than failing: a 503 the clients retry on.
    down = httpx.get(
        f"{server.base_url}/v5/evaluations/{evaluation_id}",
        headers={"x-api-key": KEY_A, "x-selected-account-id": ACCOUNT_A},
        timeout=30,
    )
    assert down.status_code == 503, down.text
    assert down.headers["x-should-retry"] == "true"
    assert down.headers["x-request-id"] in down.json()["detail"]  # to match the log's line
    # A key the server has not cached is looked up before any route: the same 503, not a 500.
    uncached = httpx.get(
        f"{server.base_url}/v5/evaluations/{evaluation_id}",
        headers={"x-api-key": "a-key-never-seen", "x-selected-account-id": ACCOUNT_A},
        timeout=30,
    )
    assert uncached.status_code == 503, uncached.text
    assert uncached.headers["x-should-retry"] == "true"
    time.sleep(OUTAGE_SECONDS)
    postgres.start()

    done = wait_until_done(client, evaluation_id)
    assert done.status == "completed", done.model_dump()
    assert extra(done, "progress")["items"]["successful"] == ITEMS
    items = items_of(client, evaluation_id)
    assert [item.data["answer"] for item in items] == [f"echo: q{i}" for i in range(ITEMS)]
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                text(
                    "SELECT count(*), count(DISTINCT item_id) FROM task_results "
                    "WHERE evaluation_id = :e AND status = 'completed'"
                ),
                {"e": evaluation_id},
            ).one()
    finally:
        engine.dispose()
    assert tuple(stored) == (ITEMS, ITEMS)
    # The calls that finished while the database was away were kept, not made again.
    assert fake_models.stats()["total"] == ITEMS
    # ...because the units that met the outage were retried, not failed.
    assert "database error while" in (server.data_dir / "server.log").read_text()


@pytest.mark.parametrize("server", [{"YARDSTICK_DB_RETRY_SECONDS": "1"}], indirect=True)
def test_an_outage_longer_than_the_retry_budget_fails_the_run_saying_why(
    server: Server, postgres: PrivatePostgres, fake_models: FakeModels
) -> None:
    client = make_client(server, max_retries=10)
    evaluation_id = start_run(client, fake_models)

    postgres.stop()
    assert fake_models.stats()["total"] < ITEMS  # the database left mid-run
    time.sleep(OUTAGE_SECONDS)
    postgres.start()

    done = wait_until_done(client, evaluation_id)
    assert done.status == "failed"
    reason = extra(done, "status_reason")
    assert "DatabaseUnavailable: the database was unavailable for" in reason, reason
    assert "OperationalError" in reason, reason
