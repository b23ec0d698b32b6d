"""SQLite's WAL checkpoints on a thread of their own (yardstick.db.checkpointer), against real
database files: writers no longer copy the WAL, the thread does, the WAL starts over once it
has grown, and closing leaves everything in the database file."""

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text

from yardstick.db import checkpointer as module
from yardstick.db.checkpointer import BACKSTOP_PAGES, Checkpointer, start_checkpointer
from yardstick.db.engine import create_db_engine, write_gate
from yardstick.db.session import SessionFactory

ROW = "x" * 3000  # about a page of its own


@pytest.fixture
def database(tmp_path: Path) -> tuple[Engine, Path]:
    path = tmp_path / "checkpoints.db"
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine, path
    engine.dispose()


def _write(sessions: SessionFactory, rows: int) -> None:
    with sessions.write() as session, session.begin():
        session.execute(text("INSERT INTO t (body) VALUES (:body)"), [{"body": ROW}] * rows)


def _wal_restarts(path: Path) -> int:
    # The WAL header's checkpoint sequence number: SQLite adds one each time the WAL starts over.
    with open(f"{path}-wal", "rb") as wal:
        return int.from_bytes(wal.read(16)[12:16], "big")


def _quick(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, reset_pages: int = module.RESET_PAGES
) -> Checkpointer:
    """A Checkpointer that waits 10 ms after writes, not 0.2 s."""
    monkeypatch.setattr(module, "INTERVAL", 0.01)
    monkeypatch.setattr(module, "RESET_PAGES", reset_pages)
    return Checkpointer(engine)


def _eventually(check: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.01)


def test_writers_leave_the_checkpoint_to_the_thread(
    database: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = database
    size_before = path.stat().st_size
    checkpoints = _quick(engine, monkeypatch)
    sessions = SessionFactory(engine)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert pragma == BACKSTOP_PAGES
        # 1,200 pages: past the 1,000 at which a writer would have copied the WAL itself.
        for _ in range(12):
            _write(sessions, 100)
        # Only a checkpoint writes pages into the database file.
        _eventually(lambda: path.stat().st_size > size_before + 1000 * 4096)
    finally:
        checkpoints.close()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 1200


def test_a_grown_wal_starts_over(
    database: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = database
    checkpoints = _quick(engine, monkeypatch, reset_pages=200)
    sessions = SessionFactory(engine)
    try:
        _write(sessions, 1)
        restarts = _wal_restarts(path)
        # 6,000 pages written back to back, under the 20,000 at which writers would checkpoint.
        for _ in range(300):
            _write(sessions, 20)
        assert _wal_restarts(path) > restarts
        assert Path(f"{path}-wal").stat().st_size < 5000 * 4096
    finally:
        checkpoints.close()


def test_close_checkpoints_what_was_written(database: tuple[Engine, Path]) -> None:
    engine, path = database
    checkpoints = Checkpointer(engine)  # the default interval: close comes before it ends
    _write(SessionFactory(engine), 300)
    size_before = path.stat().st_size

    checkpoints.close()

    assert path.stat().st_size > size_before + 250 * 4096
    assert not checkpoints._thread.is_alive()


def test_reads_do_not_wake_it(database: tuple[Engine, Path]) -> None:
    engine, _ = database
    checkpoints = Checkpointer(engine)
    try:
        with SessionFactory(engine).read() as session, session.begin():
            session.execute(text("SELECT count(*) FROM t"))
        assert not checkpoints._wrote.is_set()
        _write(SessionFactory(engine), 1)
        assert checkpoints._wrote.is_set()  # the thread waits INTERVAL (0.2 s) before clearing it
    finally:
        checkpoints.close()


def test_the_gated_checkpoint_waits_for_the_writer_holding_the_gate(
    database: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = database
    checkpoints = _quick(engine, monkeypatch, reset_pages=10)
    gate = write_gate(engine)
    sessions = SessionFactory(engine)
    try:
        _write(sessions, 50)
        gate.acquire()  # a writer's turn that lasts
        try:
            time.sleep(0.2)
            assert checkpoints._thread.is_alive()  # waiting in line, not failed
        finally:
            gate.release()
        size = path.stat().st_size
        _write(sessions, 50)
        _eventually(lambda: path.stat().st_size > size + 40 * 4096)
    finally:
        checkpoints.close()


def test_a_commit_slower_than_the_interval_is_still_checkpointed(
    database: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLAlchemy's `commit` event comes before SQLite's commit: a thread woken there checkpointed
    # before a slow commit (a loaded machine's sync) landed, then slept until the next write.
    engine, path = database
    checkpoints = _quick(engine, monkeypatch)

    def slow_commit(_connection: object) -> None:
        time.sleep(0.3)  # thirty of the test's intervals

    event.listen(engine, "commit", slow_commit)
    try:
        size = path.stat().st_size
        _write(SessionFactory(engine), 50)
        _eventually(lambda: path.stat().st_size > size + 40 * 4096)
    finally:
        event.remove(engine, "commit", slow_commit)
        checkpoints.close()


def test_only_sqlite_files_get_one(tmp_path: Path) -> None:
    assert start_checkpointer(create_engine("sqlite://")) is None
    on_file = create_db_engine(f"sqlite:///{tmp_path / 'f.db'}")
    started = start_checkpointer(on_file)
    assert started is not None
    started.close()
    on_file.dispose()
