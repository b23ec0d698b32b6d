"""One engine factory for both dialects.

SQLite is the default and must behave under concurrent requests: WAL lets readers run beside the
single writer, and every write transaction starts with `BEGIN IMMEDIATE` so two writers queue on
the busy timeout instead of failing when one upgrades a read lock (the classic SQLITE_BUSY
deadlock). Before that, a process's writers queue in a `WriteGate`, which hands the lock over in
arrival order (SQLite's busy handler has no order, so under load some writes waited for
seconds). PostgreSQL needs nothing special: row locks order concurrent writers.
"""

import weakref
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.url import make_url

from yardstick.db.write_gate import WriteGate

WRITE_OPTION = "yardstick_write"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (relative to the working directory, as SQLite reads it);
    None for another database or an in-memory one. Connecting creates a missing file, so
    commands that must not create a database look here first."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database:
        return None
    if parsed.query.get("uri") in ("true", "1") and database.startswith("file:"):
        if parsed.query.get("mode") == "memory":
            return None
        database = database.removeprefix("file:")
    if database == ":memory:":
        return None
    return Path(database)


# Why every engine hides its statements' parameters: a database error quotes the statement
# with them, and that text reaches the logs (a retried write, a chunk's traceback): the rows'
# prompts and model answers, which the logs must never hold. The statement stays.
HIDE_PARAMETERS = True


def create_db_engine(url: str, *, application_name: str | None = None) -> Engine:
    """`application_name` names the connections on PostgreSQL (an engine worker's, so that a
    take-over can end them: yardstick.execution.worker_sessions)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(
        url,
        connect_args={} if application_name is None else {"application_name": application_name},
        pool_size=20,
        max_overflow=20,
        pool_pre_ping=True,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        hide_parameters=HIDE_PARAMETERS,
    )


BUSY_TIMEOUT_SECONDS = 30


def loop_reader(url: str) -> Engine:
    """A SQLite engine for reads on the event loop's thread (yardstick.plain_pages), which must
    never wait for a connection.

    The main pool's 40 connections can all be held by threads queued for the write lock while
    the writer holding it waits for the loop to run its request's next step (a route's commit
    comes in a step of its own): a loop waiting for a connection then stalls every request
    until the busy timeout. 64 clients of `./dev bench load` did that, 4 requests a second and
    writes of 30 s. Only the loop's thread reads here, one read at a time, so its connection
    is free whenever it asks; two more are made on demand rather than waited for. Its
    connections refuse writes (`query_only`): a write belongs to the main engine's gate."""
    engine = _sqlite_engine(url, pool_size=1, max_overflow=2)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only=ON")

    return engine


_GATES: "weakref.WeakKeyDictionary[Engine, WriteGate]" = weakref.WeakKeyDictionary()


def write_gate(engine: Engine) -> WriteGate:
    """The queue a SQLite engine's writers take turns in (KeyError for another database)."""
    return _GATES[engine]


# The SQLite function case-insensitive filters fold text with (see kit.filters.folded).
FOLD_CASE = "fold_case"


def _fold_case(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_engine(url: str, *, pool_size: int = 20, max_overflow: int = 20) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
        pool_size=pool_size,
        max_overflow=max_overflow,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        hide_parameters=HIDE_PARAMETERS,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Writers wait for each other instead of failing with "database is locked".
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # SQLite's lower() folds ASCII letters only; PostgreSQL's folds every letter.
        dbapi_connection.create_function(FOLD_CASE, 1, _fold_case, deterministic=True)

    database = sqlite_file(url)
    lock_file = None if database is None else database.with_name(database.name + ".write-lock")
    gate = WriteGate(BUSY_TIMEOUT_SECONDS, lock_file)
    _GATES[engine] = gate

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        gate.enter(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(connection.info)
            raise

    # The gate opens when the connection goes back to the pool, after SQLite's commit or
    # rollback. (The `commit` event comes just before it: the next writer would meet SQLite's lock
    # and its busy handler, which sleeps at least 1 ms, and that halved the write rate.) A
    # connection that writes again before going back keeps the gate (`enter` is idempotent).
    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi: Any, record: Any, _state: Any) -> None:
        if record is not None:
            gate.leave(record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(_dbapi: Any, record: Any, _error: Any) -> None:
        gate.leave(record.info)

    return engine
