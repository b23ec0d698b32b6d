"""A database outage longer than the dead-after, with two live workers: when the database comes
back, neither takes the other for dead. Their heartbeats stopped only because nobody could reach
the database; the first worker to beat again used to re-queue the other's chunks, fencing its
finished cells out and making their model calls again."""

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.conftest import make_client
from tests.execution.helpers import chat_task, extra, wait_until_done
from tests.execution.processes import (
    beating_workers,
    log_of,
    start_worker,
    stop,
    workers_holding_chunks,
)
from tests.execution.test_heartbeat import _sessions
from tests.fixtures.engine_server import engine_env
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.private_postgres import PrivatePostgres, private_postgres, server_on
from tests.fixtures.server import Server
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.execution import recovery
from yardstick.models import EngineWorker

ITEMS = 300
LATENCY_MS = 400  # the run is still under way when the database has stopped
DEAD_AFTER_SECONDS = 3
OUTAGE_SECONDS = 2 * DEAD_AFTER_SECONDS
WORKERS = ("worker-a", "worker-b")


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    yield from private_postgres()


@pytest.fixture
def server(postgres: PrivatePostgres, tmp_path: Path, fake_models: FakeModels) -> Iterator[Server]:
    """The API alone (`--no-worker`) on the private PostgreSQL; the test starts the workers."""
    env = engine_env(
        fake_models,
        YARDSTICK_HEARTBEAT_SECONDS="0.5",
        YARDSTICK_WORKER_DEAD_AFTER_SECONDS=str(DEAD_AFTER_SECONDS),
        # Two chunks at a time each: neither worker takes the whole run alone.
        YARDSTICK_WORKER_CONCURRENCY="2",
    )
    yield from server_on(postgres, tmp_path, env, serve_args=("--no-worker",))


def test_an_outage_past_the_dead_after_takes_no_live_worker_over(
    server: Server, postgres: PrivatePostgres, fake_models: FakeModels
) -> None:
    workers = [start_worker(server, name) for name in WORKERS]
    try:
        deadline = time.monotonic() + 120
        while beating_workers(server) != set(WORKERS):  # both dequeue from the start
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.1)
        client = make_client(server, max_retries=10)
        fake_models.control(latency_ms=LATENCY_MS)
        evaluation = client.evaluations.create(
            name="outage",
            data=[{"input": f"q{i}"} for i in range(ITEMS)],
            tasks=[chat_task("answer")],
        )
        deadline = time.monotonic() + 120
        while workers_holding_chunks(server) != set(WORKERS):
            assert time.monotonic() < deadline, "the workers never both held chunks"
            time.sleep(0.05)

        postgres.stop()
        assert fake_models.stats()["total"] < ITEMS  # the database left mid-run
        time.sleep(OUTAGE_SECONDS)
        postgres.start()

        done = wait_until_done(client, evaluation.id, timeout=300)
        assert done.status == "completed", done.model_dump()
        assert extra(done, "progress")["items"]["successful"] == ITEMS
        # The cells that finished while the database was away were committed by the worker
        # that computed them: no chunk changed hands, and no call was made twice.
        logs = "".join(log_of(server, f"worker-{name}.log") for name in WORKERS)
        assert '"event":"chunk.taken_over"' not in logs
        assert fake_models.stats()["total"] == ITEMS
    finally:
        for worker in workers:
            stop(worker)


@pytest.fixture(params=["sqlite", "postgresql"])
def heartbeats(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    yield from _sessions(request.param, tmp_path)


def _last_seen(sessions: SessionFactory, worker_id: str, seconds_ago: float) -> None:
    with sessions.write() as session, session.begin():
        session.execute(
            update(EngineWorker)
            .where(EngineWorker.worker_id == worker_id)
            .values(last_seen_at=utcnow() - timedelta(seconds=seconds_ago))
        )


def test_silence_is_judged_from_the_workers_own_last_beat(heartbeats: SessionFactory) -> None:
    """Back from a 60 s outage, a worker's previous beat is 60 s old, and so are the others'
    of those that were alive: none of them is dead. One silent since long before is."""
    for worker_id in ("me", "alive", "dead"):
        recovery.beat(heartbeats, worker_id)
    _last_seen(heartbeats, "me", 60)
    _last_seen(heartbeats, "alive", 61)
    _last_seen(heartbeats, "dead", 200)
    previous = recovery.beat(heartbeats, "me")
    assert previous is not None
    assert recovery.dead_workers(heartbeats, me="me", dead_after=30, since=previous) == ["dead"]
    assert recovery.beat(heartbeats, "first") is None  # a new worker judges from now
