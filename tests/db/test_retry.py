"""Which database errors are worth another attempt, classified from real errors of real
databases, and the retry loop the engine runs its database units in."""

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from tests.conftest import require_backend
from tests.fixtures.server import free_port, postgres_admin_url
from yardstick.config import Settings
from yardstick.db import retry
from yardstick.db.retry import DatabaseUnavailable, is_transient, retrying, retrying_until_back


def error_of(engine: Engine, sql: str) -> exc.DBAPIError:
    with pytest.raises(exc.DBAPIError) as raised, engine.begin() as connection:
        connection.execute(text(sql))
    return raised.value


@pytest.fixture
def postgres() -> Iterator[Engine]:
    require_backend("postgresql")
    admin_url = postgres_admin_url()
    assert admin_url is not None
    engine = create_engine(admin_url)
    yield engine
    engine.dispose()


def test_a_refused_connection_is_transient() -> None:
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    with pytest.raises(exc.OperationalError) as raised:
        engine.connect()
    assert is_transient(raised.value)


def test_a_connection_the_server_ended_is_transient(postgres: Engine) -> None:
    with postgres.connect() as victim:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
        with postgres.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(exc.DBAPIError) as raised:
            victim.execute(text("SELECT 1"))
    assert is_transient(raised.value)


def test_a_serialization_failure_is_transient(postgres: Engine) -> None:
    error = error_of(
        postgres,
        "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$",
    )
    assert is_transient(error)


def test_a_deadlock_and_a_lock_timeout_are_transient(postgres: Engine) -> None:
    for code in ("deadlock_detected", "lock_not_available"):
        error = error_of(
            postgres, f"DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '{code}'; END $$"
        )
        assert is_transient(error), code


def test_errors_no_retry_can_fix_are_not_transient(postgres: Engine) -> None:
    assert not is_transient(error_of(postgres, "SELECT 1/0"))
    assert not is_transient(error_of(postgres, "SELECT * FROM no_such_table"))
    # A statement cancelled on purpose (statement_timeout) would only be cancelled again.
    assert not is_transient(
        error_of(postgres, "SET LOCAL statement_timeout = 10; SELECT pg_sleep(1)")
    )


def test_a_busy_sqlite_database_is_transient(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        error = error_of(engine, "INSERT INTO t VALUES (1)")
        assert is_transient(error)
        assert not is_transient(error_of(engine, "SELECT * FROM no_such_table"))
    finally:
        holder.close()
        engine.dispose()


def test_other_exceptions_are_not_transient() -> None:
    assert not is_transient(ValueError("no"))
    assert is_transient(exc.TimeoutError("QueuePool limit reached"))


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "get_settings", lambda: Settings(db_retry_seconds=0.5))
    monkeypatch.setattr(retry, "_BASE_SECONDS", 0.01)


def transient() -> exc.OperationalError:
    return exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.usefixtures("budget")
def test_a_unit_is_run_again_until_it_succeeds() -> None:
    calls: list[int] = []

    def unit(value: int) -> int:
        calls.append(value)
        if len(calls) < 3:
            raise transient()
        return value * 2

    assert asyncio.run(retrying("doubling", unit, 21)) == 42
    assert calls == [21, 21, 21]


@pytest.mark.usefixtures("budget")
def test_a_permanent_error_is_raised_at_once() -> None:
    calls: list[int] = []

    def unit() -> None:
        calls.append(1)
        raise exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))

    with pytest.raises(exc.IntegrityError):
        asyncio.run(retrying("inserting", unit))
    assert calls == [1]


@pytest.mark.usefixtures("budget")
def test_past_the_budget_the_error_says_for_how_long_while_doing_what() -> None:
    def unit() -> None:
        raise transient()

    with pytest.raises(DatabaseUnavailable) as raised:
        asyncio.run(retrying("committing 3 cells", unit))
    message = str(raised.value)
    assert "while committing 3 cells" in message
    assert "database is locked" in message
    assert isinstance(raised.value.__cause__, exc.OperationalError)


@pytest.mark.usefixtures("budget")
def test_the_backoff_never_sleeps_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "_delay", lambda attempt: 5.0)  # a backoff step at its cap
    attempts: list[float] = []

    def unit() -> None:
        attempts.append(time.monotonic())
        raise transient()

    before = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        asyncio.run(retrying("committing 3 cells", unit))
    # One attempt at once and one when the 0.5 s budget is spent; the run fails then, not 5 s on.
    # The budget counts from before the first attempt's trip to a thread (which took 56 ms in a
    # loaded CI run): measured from before the run, not from that attempt.
    assert len(attempts) == 2
    assert 0.49 <= attempts[1] - before < 2.0


@pytest.mark.usefixtures("budget")
def test_recording_a_failure_waits_out_an_outage_past_the_budget() -> None:
    """Failing a run is what records that another unit gave up: giving up on it too left the
    run `running` with nothing left to end it (yardstick.execution.runner.fail)."""
    started = time.monotonic()
    calls: list[float] = []

    def unit() -> str:
        calls.append(time.monotonic())
        if time.monotonic() - started < 1.5:  # three times the 0.5 s budget
            raise transient()
        return "failed"

    assert asyncio.run(retrying_until_back("failing a run", unit)) == "failed"
    assert calls[-1] - started >= 1.5


@pytest.mark.usefixtures("budget")
def test_recording_a_failure_still_raises_errors_no_retry_can_fix() -> None:
    def unit() -> None:
        raise exc.IntegrityError("UPDATE", {}, sqlite3.IntegrityError("CHECK constraint failed"))

    with pytest.raises(exc.IntegrityError):
        asyncio.run(retrying_until_back("failing a run", unit))
