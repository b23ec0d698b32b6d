"""Heartbeats and takeovers, on real databases: which workers count as dead, by whose clock, and
when a dead worker's heartbeat may go."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

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
from yardstick.execution import engine, recovery
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
    monkeypatch.setattr(recovery, "wake", lambda: None)
    recovery.take_over(sessions, ["dead"])
    assert workers(sessions) == ["dead"]
    recovery.take_over(sessions, ["dead"])
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
