"""`kill -9` during a backfill (a task added to a finished evaluation) and during a retry.

Either way the run resumes after the restart, every cell is stored exactly once, the cells that
were valid before the change are never computed again, and the only repeated model calls are
the ones in flight at the kill.
"""

import time

import httpx
import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, make_client
from tests.execution.helpers import chat_task, items_of, wait_for_calls_in_flight, wait_until_done
from tests.execution.processes import kill_hard
from tests.execution.test_recovery import REPEAT_BOUND
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server, start_server

ITEMS = 300


def cells(server: Server, evaluation_id: str, alias: str) -> tuple[int, int]:
    """(stored cells, distinct items) of one alias, straight from the database."""
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT item_id) FROM task_results "
                "WHERE evaluation_id = :e AND alias = :a AND status = 'completed'"
            ),
            {"e": evaluation_id, "a": alias},
        ).one()
    engine.dispose()
    return int(row[0]), int(row[1])


def wait_for_cells(server: Server, evaluation_id: str, alias: str, at_least: int) -> None:
    deadline = time.monotonic() + 60
    while cells(server, evaluation_id, alias)[0] < at_least:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


def post(server: Server, path: str, body: object = None) -> httpx.Response:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=30)


def crash_and_restart(server: Server, fake: FakeModels) -> None:
    assert server.process is not None
    wait_for_calls_in_flight(fake)  # the kill lands mid-call
    kill_hard(server.process)
    start_server(server, port=server.port)


def finished_run(client: SGPClient, fake: FakeModels) -> str:
    evaluation = client.evaluations.create(
        name="backfill", data=[{"input": f"q{i}"} for i in range(ITEMS)], tasks=[chat_task("first")]
    )
    assert wait_until_done(client, evaluation.id).status == "completed"
    return evaluation.id


@pytest.mark.parametrize(
    "crash_server", [(backend, ()) for backend in BACKENDS], indirect=True, ids=BACKENDS
)
def test_kill_9_during_a_backfill(crash_server: Server, fake_models: FakeModels) -> None:
    client = make_client(crash_server, max_retries=5)
    evaluation_id = finished_run(client, fake_models)
    fake_models.reset()
    fake_models.control(latency_ms=100)

    added = post(
        crash_server,
        f"/v5/evaluations/{evaluation_id}/tasks",
        {"task": chat_task("second", "again {{ item.first }}")},
    )
    assert added.status_code == 200 and added.json()["status"] == "running"
    wait_for_cells(crash_server, evaluation_id, "second", 40)
    crash_and_restart(crash_server, fake_models)

    assert wait_until_done(client, evaluation_id).status == "completed"
    assert cells(crash_server, evaluation_id, "first") == (ITEMS, ITEMS)
    assert cells(crash_server, evaluation_id, "second") == (ITEMS, ITEMS)
    assert [i.data["second"] for i in items_of(client, evaluation_id)] == [
        f"echo: again echo: q{i}" for i in range(ITEMS)
    ]
    # Only `second` was called (never `first` again), and only in-flight calls twice.
    repeated = fake_models.stats()["total"] - ITEMS
    assert 0 <= repeated <= REPEAT_BOUND


@pytest.mark.parametrize(
    "crash_server", [(backend, ()) for backend in BACKENDS], indirect=True, ids=BACKENDS
)
def test_kill_9_during_a_retry(crash_server: Server, fake_models: FakeModels) -> None:
    client = make_client(crash_server, max_retries=5)
    fake_models.control(fail_next=[{"status": 400, "message": "bad"}] * ITEMS)
    evaluation = client.evaluations.create(
        name="retry", data=[{"input": f"q{i}"} for i in range(ITEMS)], tasks=[chat_task("first")]
    )
    assert wait_until_done(client, evaluation.id).status == "completed"
    assert cells(crash_server, evaluation.id, "first") == (0, 0)
    fake_models.reset()
    fake_models.control(latency_ms=100)

    assert (
        post(crash_server, f"/v5/evaluations/{evaluation.id}/retry").json()["status"] == "running"
    )
    wait_for_cells(crash_server, evaluation.id, "first", 40)
    crash_and_restart(crash_server, fake_models)

    done = wait_until_done(client, evaluation.id)
    assert done.status == "completed"
    assert cells(crash_server, evaluation.id, "first") == (ITEMS, ITEMS)
    repeated = fake_models.stats()["total"] - ITEMS
    assert 0 <= repeated <= REPEAT_BOUND
