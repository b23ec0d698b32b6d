"""Heartbeats and takeovers, on real databases: which workers count as dead, by whose clock, and
when a dead worker's heartbeat may go."""

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from tests.conftest import require_backend
from tests.fixtures.server import (
    create_postgres_database,
    drop_postgres_database,
    postgres_admin_url,
)
from yardstick.config import Settings
from yardstick.db.engine import create_db_engine
from yardstick.db.migrate import migrate
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.execution import engine, recovery, wake, worker_sessions
from yardstick.execution import worker as worker_module
from yardstick.models import EngineWorker


def _sessions(backend: str, tmp_path: Path) -> Iterator[SessionFactory]:
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'yardstick.db'}"
    else:
        require_backend("postgresql")
        admin = postgres_admin_url()
        assert admin is not None
        url = create_postgres_database(admin)
    engine = create_db_engine(url)
    migrate(engine)
    yield SessionFactory(engine)
    engine.dispose()
    if admin is not None:
        drop_postgres_database(admin, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    yield from _sessions(request.param, tmp_path)


@pytest.fixture
def pg_sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    """PostgreSQL alone: SQLite's workers share one machine, and so its clock."""
    yield from _sessions("postgresql", tmp_path)


def workers(sessions: SessionFactory) -> list[str]:
    with sessions.read() as session:
        return sorted(session.scalars(select(EngineWorker.worker_id)))


def test_a_worker_is_dead_once_silent_past_the_limit(sessions: SessionFactory) -> None:
    recovery.beat(sessions, "w1")
    recovery.beat(sessions, "w2")
    assert recovery.dead_workers(sessions, me="w1", dead_after=30) == []
    assert recovery.dead_workers(sessions, me="w1", dead_after=0) == ["w2"]


def test_on_postgresql_the_databases_clock_judges_not_the_workers(
    pg_sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live worker on a machine whose clock ran 10 s behind was taken over at every beat."""
    monkeypatch.setattr(recovery, "utcnow", lambda: utcnow() - timedelta(seconds=60))
    recovery.beat(pg_sessions, "behind")
    monkeypatch.setattr(recovery, "utcnow", lambda: utcnow() + timedelta(seconds=60))
    assert recovery.dead_workers(pg_sessions, me="ahead", dead_after=30) == []


def test_a_heartbeat_goes_only_once_none_of_its_chunks_is_left(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DBOS logs a chunk it fails to re-queue and goes on: the heartbeat kept, the next beat
    tries that chunk again (it stayed the dead worker's for ever, its run never ending)."""
    recovery.beat(sessions, "dead")
    passes = iter([3, 1, 0, 0])  # one of four chunks failed at first, then none is left
    monkeypatch.setattr(recovery, "requeue_pending", lambda worker_id: next(passes))
    monkeypatch.setattr(recovery, "wake_after_commit", lambda session: None)
    recovery.take_over(sessions, ["dead"], 0)
    assert workers(sessions) == ["dead"]
    recovery.take_over(sessions, ["dead"], 0)
    assert workers(sessions) == []


class _Launched(Exception):
    pass


def test_a_restarted_worker_beats_before_it_recovers_its_chunks(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down for longer than the dead-after, it looked dead while DBOS recovered its chunks at
    launch, and a takeover then ran them a second time."""
    recovery.beat(sessions, "back")
    with sessions.write() as session, session.begin():
        row = session.get(EngineWorker, "back")
        assert row is not None
        row.last_seen_at = utcnow() - timedelta(days=1)
    assert recovery.dead_workers(sessions, me="other", dead_after=60) == ["back"]
    seen: list[list[str]] = []

    async def launch(_: Settings) -> None:
        seen.append(recovery.dead_workers(sessions, me="other", dead_after=60))
        raise _Launched

    monkeypatch.setattr(engine, "launch", launch)
    monkeypatch.setattr(worker_module, "install_vendor_keys", lambda *_: None)
    monkeypatch.setattr(worker_module.runner, "bind", lambda *_: None)
    settings = Settings(worker_id="back", scoring_prewarm=False)
    with pytest.raises(_Launched):
        asyncio.run(worker_module.Worker(settings, sessions).start())
    assert seen == [[]]  # alive as its chunks are recovered


def test_a_workers_connections_are_named_after_it() -> None:
    """PostgreSQL keeps 63 bytes of printable ASCII: longer or other ids go by their hash."""
    assert worker_sessions.application_name("worker-a") == "yardstick worker worker-a"
    long_ids = ["w" * 60 + "1", "w" * 60 + "2", "wörker", "tab\tworker"]
    names = [worker_sessions.application_name(worker_id) for worker_id in long_ids]
    assert len(set(names)) == len(names)
    for name in names:
        assert len(name) <= 63 and name.isascii() and name.isprintable()
    settings = Settings(database_url="postgresql+psycopg://u@h/d", worker_id="worker-a")
    assert engine.dbos_config(settings)["db_engine_kwargs"] == {
        "connect_args": {"application_name": "yardstick worker worker-a"}
    }


def test_a_take_over_ends_the_dead_workers_sessions_and_so_their_locks(
    pg_sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker paused inside a transaction that no idle timeout ends (here its beat's, which
    locks its heartbeat row) held the take-over back until it woke: the delete of its row
    waited, and so did this worker's heartbeat."""
    recovery.beat(pg_sessions, "paused")
    recovery.beat(pg_sessions, "live")
    url = pg_sessions.engine.url
    paused = create_db_engine(
        url.render_as_string(hide_password=False),
        application_name=worker_sessions.application_name("paused"),
    )
    live = create_db_engine(
        url.render_as_string(hide_password=False),
        application_name=worker_sessions.application_name("live"),
    )
    monkeypatch.setattr(recovery, "requeue_pending", lambda worker_id: 0)
    try:
        with paused.connect() as held, live.connect() as bystander:
            held.execute(text("SELECT 1 FROM engine_workers WHERE worker_id = 'paused' FOR UPDATE"))
            done = threading.Event()
            taker = threading.Thread(
                target=lambda: (recovery.take_over(pg_sessions, ["paused"], 0), done.set())
            )
            taker.start()
            assert done.wait(timeout=20), "the take-over waited for the paused worker's lock"
            assert workers(pg_sessions) == ["live"]
            with pytest.raises(OperationalError):
                held.execute(text("SELECT 1"))
            assert bystander.execute(text("SELECT 1")).scalar() == 1  # another worker's stay
    finally:
        paused.dispose()
        live.dispose()


def test_a_take_over_that_waits_does_not_silence_the_heartbeat(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The take-over ran in the heartbeat's loop: while it waited (on a paused worker's
    locks), this worker stopped beating, and the paused one, woken, took it for dead."""
    recovery.beat(sessions, "dead")
    with sessions.write() as session, session.begin():
        row = session.get(EngineWorker, "dead")
        assert row is not None
        row.last_seen_at = utcnow() - timedelta(days=1)
    release = threading.Event()
    calls: list[list[str]] = []

    def stuck(_: SessionFactory, dead: list[str], dead_after: float) -> None:
        calls.append(dead)
        release.wait(timeout=30)

    monkeypatch.setattr(recovery, "take_over", stuck)
    settings = Settings(worker_id="me", heartbeat_seconds=0.05, worker_dead_after_seconds=60)

    def last_seen() -> datetime:
        with sessions.read() as session:
            seen = session.get(EngineWorker, "me")
            assert seen is not None
            return seen.last_seen_at

    async def run() -> list[datetime]:
        loop = asyncio.create_task(recovery.heartbeat_loop(settings, sessions))
        seen = []
        try:
            for _ in range(5):
                await asyncio.sleep(0.3)
                seen.append(await asyncio.to_thread(last_seen))
        finally:
            loop.cancel()
            release.set()
        return seen

    seen = asyncio.run(run())
    assert seen == sorted(seen) and len(set(seen)) == len(seen)  # a new beat every time
    assert calls == [["dead"]]  # one take-over at a time, not one more at every beat


def test_a_worker_back_under_its_id_keeps_its_new_sessions(pg_sessions: SessionFactory) -> None:
    """Judged dead, then restarted with its id before the take-over reached it: it has beaten
    again, so its new sessions are not ended (its start-up would have lost them)."""
    recovery.beat(pg_sessions, "back")
    back = create_db_engine(
        pg_sessions.engine.url.render_as_string(hide_password=False),
        application_name=worker_sessions.application_name("back"),
    )
    try:
        with back.connect() as connection:
            connection.execute(text("SELECT 1"))
            assert worker_sessions.end_sessions(pg_sessions, "back", dead_after=60) == 0
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert worker_sessions.end_sessions(pg_sessions, "back", dead_after=0) == 1
            with pytest.raises(OperationalError):
                connection.execute(text("SELECT 1"))
    finally:
        back.dispose()


def test_a_worker_beating_again_since_it_was_judged_dead_is_not_taken_over(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restarted under its id between the judgement and the take-over, it was running its
    recovered chunks: re-queueing them repeated its calls in flight, and its row went."""
    requeued: list[str] = []
    monkeypatch.setattr(
        recovery, "requeue_pending", lambda worker_id: requeued.append(worker_id) or 0
    )
    recovery.beat(sessions, "back")
    recovery.take_over(sessions, ["back"], 60)
    assert requeued == [] and workers(sessions) == ["back"]


def test_a_take_over_wakes_the_other_workers(
    pg_sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks re-queued by a take-over woke only the worker taking over: when it was full, an
    idle worker started them at its 30 s poll. Now the take-over sends the NOTIFY an enqueue
    sends."""
    recovery.beat(pg_sessions, "gone")
    monkeypatch.setattr(recovery, "requeue_pending", lambda worker_id: 2)
    listener = psycopg.connect(
        pg_sessions.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
        autocommit=True,
    )
    try:
        listener.execute(f"LISTEN {wake.CHANNEL}")
        recovery.take_over(pg_sessions, ["gone"], 0)
        heard = [n.channel for n in listener.notifies(timeout=5, stop_after=1)]
        assert heard == [wake.CHANNEL]
    finally:
        listener.close()


def test_a_take_over_with_nothing_to_take_is_no_warning(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker stopped cleanly leaves its heartbeat row; taking it over found nothing, and
    each one was a warning all the same."""
    monkeypatch.setattr(recovery, "requeue_pending", lambda worker_id: 0)
    recovery.beat(sessions, "stopped")
    with caplog.at_level(logging.INFO):
        recovery.take_over(sessions, ["stopped"], 0)
    [record] = [r for r in caplog.records if r.getMessage() == "worker.takeover"]
    assert record.levelno == logging.INFO
    assert workers(sessions) == []
