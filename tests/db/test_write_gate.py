"""SQLite's writers queue in the process's write gate: in turn once a writer has waited, never
forever, and every way a transaction ends opens the gate again."""

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from yardstick.db import write_gate
from yardstick.db.engine import WRITE_OPTION, create_db_engine
from yardstick.db.retry import is_transient
from yardstick.db.write_gate import WriteGate, WriteGateTimeout, _Waiter


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_writers_that_waited_take_turns_in_arrival_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write_gate, "STARVING_AFTER_SECONDS", 0.0)
    gate = WriteGate(timeout=10)
    gate.acquire()
    order: list[int] = []

    def writer(number: int) -> None:
        gate.acquire()
        order.append(number)
        gate.release()

    threads = []
    for number in range(8):
        thread = threading.Thread(target=writer, args=(number,))
        thread.start()
        threads.append(thread)
        wait_until(lambda queued=number + 1: len(gate._queue) == queued)
    gate.release()
    for thread in threads:
        thread.join()
    assert order == list(range(8))


def test_a_newcomer_may_pass_a_writer_that_only_just_queued_but_not_one_that_waited() -> None:
    gate = WriteGate(timeout=0.1)
    gate.acquire()
    fresh = _Waiter(since=time.monotonic())
    gate._queue.append(fresh)
    gate.release()
    assert fresh.turn.is_set() and not fresh.handed  # woken to compete for a free gate
    gate.acquire()  # a newcomer wins it without waiting

    starving = _Waiter(since=time.monotonic() - 1)
    gate._queue.appendleft(starving)
    gate.release()
    assert starving.handed  # handed over: the gate never stood free
    with pytest.raises(WriteGateTimeout):
        gate.acquire()


def test_a_writer_waits_no_longer_than_the_timeout_and_the_error_is_transient() -> None:
    gate = WriteGate(timeout=0.2)
    gate.acquire()
    with pytest.raises(WriteGateTimeout) as raised:
        gate.acquire()
    assert is_transient(raised.value)
    assert not gate._queue  # the writer that gave up left the line
    gate.release()
    gate.acquire()  # and the gate still works


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


def write_in_thread(engine: Engine, value: int) -> None:
    def write() -> None:
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the gate stayed shut"


def test_every_end_of_a_write_opens_the_gate(engine: Engine) -> None:
    writes = engine.execution_options(**{WRITE_OPTION: True})
    with writes.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.commit()
        connection.execute(text("INSERT INTO t VALUES (2)"))  # the same connection again
        connection.rollback()
    write_in_thread(engine, 3)
    with pytest.raises(Exception, match="no such table"), writes.begin() as connection:
        connection.execute(text("INSERT INTO missing VALUES (1)"))
    write_in_thread(engine, 4)
    with writes.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (5)"))
        connection.invalidate()
    write_in_thread(engine, 6)
    with engine.connect() as connection:
        values = connection.execute(text("SELECT x FROM t ORDER BY x")).scalars().all()
    assert values == [1, 3, 4, 6]


def test_many_threads_write_every_row(engine: Engine) -> None:
    def writer(first: int) -> None:
        for value in range(first, first + 50):
            with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})

    threads = [threading.Thread(target=writer, args=(n * 50,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(DISTINCT x) FROM t")).scalar() == 800


_HOLDER = """
import sys, time
from pathlib import Path
from yardstick.db.write_gate import WriteGate
gate = WriteGate(10, Path(sys.argv[1]))
gate.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
gate.release()
"""


def _hold_in_another_process(lock_file: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(lock_file), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_writers_of_other_processes_wait_for_the_lock_file(tmp_path: Path) -> None:
    lock_file = tmp_path / "db.sqlite.write-lock"
    holder = _hold_in_another_process(lock_file, 0.6)
    gate = WriteGate(timeout=10, lock_file=lock_file)
    started = time.monotonic()
    gate.acquire()
    waited = time.monotonic() - started
    gate.release()
    holder.wait(timeout=10)
    assert 0.3 < waited < 5


def test_a_lock_file_held_too_long_is_a_timeout_and_the_turn_is_passed_on(tmp_path: Path) -> None:
    lock_file = tmp_path / "db.sqlite.write-lock"
    holder = _hold_in_another_process(lock_file, 2)
    gate = WriteGate(timeout=0.2, lock_file=lock_file)
    with pytest.raises(WriteGateTimeout) as caught:
        gate.acquire()
    assert is_transient(caught.value)
    assert not gate._held  # this process's next writer is not left waiting on a dead turn
    holder.wait(timeout=10)
    gate.acquire()  # the holder is gone: at once
    gate.release()


def test_a_process_that_dies_holding_the_lock_file_lets_it_go(tmp_path: Path) -> None:
    lock_file = tmp_path / "db.sqlite.write-lock"
    holder = _hold_in_another_process(lock_file, 60)
    holder.kill()
    holder.wait(timeout=10)
    gate = WriteGate(timeout=2, lock_file=lock_file)
    gate.acquire()
    gate.release()


def test_a_sqlite_file_s_writers_use_a_lock_file_beside_it(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        with engine.connect() as connection:  # a read takes no lock
            connection.execute(text("SELECT 1"))
        assert not (tmp_path / "app.db.write-lock").exists()
        holder = _hold_in_another_process(tmp_path / "app.db.write-lock", 0.5)
        started = time.monotonic()
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        assert time.monotonic() - started > 0.25
        holder.wait(timeout=10)
    finally:
        engine.dispose()
