"""Crashes mid-run: `kill -9` of the only process, and of one of two workers on PostgreSQL; and
a worker paused past the dead-after, then woken.

After either, the run finishes with every cell stored exactly once, and the only model calls
made twice are the ones that were in flight, or finished and not yet committed, when the
process died. A crash leaves every
committed cell with its calls (queued for its trace, or written as spans already), and every
item's trace complete once the run is done.
"""

import json
import signal
import time
from collections import Counter
from collections.abc import Callable

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, make_client
from tests.execution.helpers import (
    chat_task,
    extra,
    items_of,
    search_spans,
    wait_for_calls_in_flight,
    wait_until_done,
)
from tests.execution.processes import (
    beating_workers,
    kill_hard,
    log_of,
    start_worker,
    stop,
    workers_holding_chunks,
)
from tests.fixtures.engine_server import CONCURRENCY
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server, start_server
from yardstick.execution.slots import headroom

ITEMS = 400
LATENCY_MS = 100
# What a crash may repeat: calls in flight plus finished cells not yet committed are bounded by
# the vendor's result slots (yardstick.execution.slots); a handful more for cells that finished
# while their commit was being written.
REPEAT_BOUND = CONCURRENCY + headroom(CONCURRENCY) + 4


def start_run(client: SGPClient, fake: FakeModels) -> str:
    fake.control(latency_ms=LATENCY_MS)
    evaluation = client.evaluations.create(
        name="crash", data=[{"input": f"q{i}"} for i in range(ITEMS)], tasks=[chat_task("answer")]
    )
    return evaluation.id


def wait_for_progress(client: SGPClient, evaluation_id: str, successful: int) -> None:
    deadline = time.monotonic() + 60
    while (
        extra(client.evaluations.retrieve(evaluation_id), "progress")["items"]["successful"]
        < successful
    ):
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


def assert_finished_exactly_once(
    server: Server, client: SGPClient, evaluation_id: str, fake: FakeModels
) -> None:
    done = wait_until_done(client, evaluation_id)
    assert done.status == "completed"
    assert extra(done, "progress")["items"] == {
        "total": ITEMS,
        "successful": ITEMS,
        "failed": 0,
        "pending": 0,
        "failed_items": [],
    }
    items = items_of(client, evaluation_id)
    assert [item.data["answer"] for item in items] == [f"echo: q{i}" for i in range(ITEMS)]
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT item_id) FROM task_results WHERE evaluation_id = :e"
            ),
            {"e": evaluation_id},
        ).one()
    engine.dispose()
    assert tuple(stored) == (ITEMS, ITEMS)


@pytest.mark.parametrize(
    "crash_server", [(backend, ()) for backend in BACKENDS], indirect=True, ids=BACKENDS
)
def test_kill_9_of_the_only_process_then_restart(
    crash_server: Server, fake_models: FakeModels
) -> None:
    client = make_client(crash_server, max_retries=5)
    evaluation_id = start_run(client, fake_models)
    wait_for_progress(client, evaluation_id, successful=50)

    assert crash_server.process is not None
    wait_for_calls_in_flight(fake_models)  # the kill lands mid-call
    kill_hard(crash_server.process)
    assert _cells_with_calls(crash_server, evaluation_id) == _traced_items(
        crash_server, evaluation_id
    )
    start_server(crash_server, port=crash_server.port)

    assert_finished_exactly_once(crash_server, client, evaluation_id, fake_models)
    repeated = fake_models.stats()["total"] - ITEMS
    assert 0 <= repeated <= REPEAT_BOUND
    spans = search_spans(crash_server, {"extra_metadata": {"evaluation_id": evaluation_id}})
    roots = {span["trace_id"] for span in spans if span["parent_id"] is None}
    called = {span["trace_id"] for span in spans if span["parent_id"] is not None}
    assert roots == called == {item.id for item in items_of(client, evaluation_id)}


def _cells_with_calls(server: Server, evaluation_id: str) -> set[str]:
    """The items whose stored cell names its trace (it called a model)."""
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT item_id, details FROM task_results WHERE evaluation_id = :e"),
            {"e": evaluation_id},
        ).all()
    engine.dispose()
    # A JSON column: text on SQLite, decoded by psycopg on PostgreSQL.
    found = [(item, json.loads(d) if isinstance(d, str) else d) for item, d in rows]
    return {item for item, details in found if details and "trace_id" in details}


def _traced_items(server: Server, evaluation_id: str) -> set[str]:
    """The items whose calls are queued for their trace or already spans (none twice)."""
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        queued = [
            cell["item_id"]
            for (cells,) in connection.execute(text("SELECT cells FROM run_trace_queue"))
            for cell in json.loads(cells)
            if cell["evaluation_id"] == evaluation_id
        ]
        written = connection.execute(
            text("SELECT trace_id FROM spans WHERE parent_id IS NOT NULL AND metadata LIKE :m"),
            {"m": f'%"evaluation_id":"{evaluation_id}"%'},
        ).scalars()
        items = queued + list(written)
    engine.dispose()
    assert len(items) == len(set(items)), "a cell's calls were recorded twice"
    return set(items)


@pytest.mark.parametrize(
    "crash_server", [("postgresql", ("--no-worker",))], indirect=True, ids=["postgresql"]
)
def test_a_dead_workers_chunks_are_taken_over(
    crash_server: Server, fake_models: FakeModels
) -> None:
    survivor = start_worker(crash_server, "worker-a")
    doomed = start_worker(crash_server, "worker-b")
    try:
        client = make_client(crash_server)
        evaluation_id = start_run(client, fake_models)
        wait_for_progress(client, evaluation_id, successful=50)
        # Both workers hold chunks by now: each runs up to its worker_concurrency at once.
        kill_hard(doomed)

        assert_finished_exactly_once(crash_server, client, evaluation_id, fake_models)
        repeated = fake_models.stats()["total"] - ITEMS
        assert 0 <= repeated <= REPEAT_BOUND
        assert fake_models.stats()["max_in_flight"] <= 2 * CONCURRENCY
    finally:
        stop(survivor)
        stop(doomed)


def _takeover(server: Server, name: str) -> dict[str, object]:
    line = next(line for line in log_of(server, name).splitlines() if "worker.takeover" in line)
    event: dict[str, object] = json.loads(line)
    return event


def _wait_until(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the workers never got there"
        time.sleep(0.05)


def _wait_for_log(server: Server, name: str, event: str) -> None:
    deadline = time.monotonic() + 30
    while f'"event":"{event}"' not in log_of(server, name):
        assert time.monotonic() < deadline, f"{name} never logged {event}\n{_logs(server)}"
        time.sleep(0.05)


def _logs(server: Server) -> str:
    """The workers' logs, to read a failure by: which chunks each took over, and when."""
    return "\n".join(
        f"--- {path.name}\n{path.read_text()[-6000:]}"
        for path in sorted(server.data_dir.glob("worker-*.log"))
    )


@pytest.mark.parametrize(
    "crash_server", [("postgresql", ("--no-worker",))], indirect=True, ids=["postgresql"]
)
def test_a_paused_worker_is_fenced_when_it_wakes(
    crash_server: Server, fake_models: FakeModels
) -> None:
    """SIGSTOP past the dead-after, the chunks taken over, then SIGCONT: the woken worker's
    next commit writes nothing and its chunks end, instead of computing their remaining items
    beside the new owner."""
    survivor = start_worker(crash_server, "worker-a")
    paused = start_worker(crash_server, "worker-b")
    try:
        # Both dequeue from the start, and the one to pause holds chunks when it is paused: on
        # a loaded machine worker-b once started after worker-a had taken every chunk.
        _wait_until(lambda: beating_workers(crash_server) == {"worker-a", "worker-b"})
        client = make_client(crash_server)
        evaluation_id = start_run(client, fake_models)
        _wait_until(lambda: "worker-b" in workers_holding_chunks(crash_server))
        wait_for_progress(client, evaluation_id, successful=50)
        wait_for_calls_in_flight(fake_models)
        paused.send_signal(signal.SIGSTOP)
        _wait_for_log(crash_server, "worker-worker-a.log", "worker.takeover")
        # Its sessions ended too (ours and DBOS's, named after it): no lock it holds, in
        # whatever state it was paused, holds the re-queue back.
        assert _takeover(crash_server, "worker-worker-a.log")["sessions_ended"] >= 2
        paused.send_signal(signal.SIGCONT)

        assert_finished_exactly_once(crash_server, client, evaluation_id, fake_models)
        # The calls in flight at the pause, made again by the new owner and, their timeout
        # passed while paused, by the woken worker; and the finished cells not yet committed.
        # Unfenced, the woken worker went on through its chunks: 735 repeats of 2,000 items.
        repeated = fake_models.stats()["total"] - ITEMS
        assert 0 <= repeated <= REPEAT_BOUND + CONCURRENCY
        _wait_for_log(crash_server, "worker-worker-b.log", "chunk.taken_over")
        # Each cell was stored by one worker, with its calls: the woken worker's calls in
        # flight at the fence once finished and overwrote the new owner's cells, which then
        # had two calls each (the echoed answers are alike, so only the calls tell).
        spans = search_spans(crash_server, {"extra_metadata": {"evaluation_id": evaluation_id}})
        calls = Counter(span["trace_id"] for span in spans if span["parent_id"] is not None)
        assert len(calls) == ITEMS and set(calls.values()) == {1}, calls.most_common(3)
    finally:
        paused.send_signal(signal.SIGCONT)
        stop(survivor)
        stop(paused)
