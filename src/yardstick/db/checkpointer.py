"""SQLite's WAL checkpoints, taken off the committing threads.

By default the connection whose commit brings the WAL to 1,000 pages copies it into the
database file and syncs it, inside that commit: a 1,000-item dataset batch paid for ~4 MB of
copying and an `fsync` every few requests, 3-5 ms a batch on average, while the request's
client waited. Here a thread of the server's own does it, in C with the GIL let go, so on a
second core beside the requests:

- After writes (at most every INTERVAL seconds), a PASSIVE checkpoint copies what the WAL holds
  and syncs the file. It never blocks a reader or a writer.
- A PASSIVE checkpoint cannot catch up with writers that never pause, and SQLite starts the WAL
  again from its beginning only once everything in it is copied. So when the WAL has grown past
  RESET_PAGES, the thread takes the process's write gate (`db.write_gate`) for a second,
  short checkpoint of what came in meanwhile: the next writer then starts the WAL over.
- Writers still checkpoint themselves when the WAL passes BACKSTOP_PAGES, which happens only if
  this thread falls behind (or another process writes without one).
"""

import logging
import sqlite3
import threading
from typing import Any, cast

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from yardstick.db.engine import WRITE_OPTION, sqlite_file, write_gate

log = logging.getLogger(__name__)

INTERVAL = 0.2
RESET_PAGES = 4_000  # 16 MB of 4 KB pages
BACKSTOP_PAGES = 20_000


class Checkpointer:
    """Checkpoints `engine`'s SQLite database after its writes, on a thread of its own; `close`
    stops it. Created before the engine's connections are used (it sets how they checkpoint)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._gate = write_gate(engine)
        self._wrote = threading.Event()
        self._closing = threading.Event()
        event.listen(engine, "connect", _set_backstop)
        engine.dispose()  # connections made before use the default: made again on demand
        event.listen(engine, "commit", _mark_committed)
        event.listen(engine.pool, "reset", self._on_reset)  # the pool dispose() made
        self._thread = threading.Thread(target=self._run, name="yardstick-checkpoints", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop after a last checkpoint of what was written. Connections made meanwhile keep the
        backstop: past it their writers checkpoint for themselves."""
        event.remove(self._engine, "commit", _mark_committed)
        event.remove(self._engine.pool, "reset", self._on_reset)
        self._closing.set()
        self._wrote.set()
        self._thread.join()

    def _on_reset(self, _dbapi: Any, record: Any, _state: Any) -> None:
        # The connection is back in the pool, so SQLite's commit is done: the `commit` event
        # comes before it, and a checkpoint woken there could run first (under load, INTERVAL
        # passes before the commit's sync does), miss the write and then sleep until another.
        if record is not None and record.info.pop(_COMMITTED, False):
            self._wrote.set()

    def _run(self) -> None:
        connection = self._connect()
        try:
            while not self._closing.is_set():
                self._wrote.wait()
                self._closing.wait(INTERVAL)  # writes gather: one checkpoint for all of them
                self._wrote.clear()
                try:
                    self._checkpoint(connection)
                except (sqlite3.Error, OperationalError):
                    log.exception("WAL checkpoint failed; writers checkpoint meanwhile")
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        _, pages, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages < RESET_PAGES:
            return
        self._gate.acquire()
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            self._gate.release()

    def _connect(self) -> sqlite3.Connection:
        dialect = self._engine.dialect
        args, kwargs = dialect.create_connect_args(self._engine.url)
        # The driver's own connection: outside the pool, whose connections the requests need.
        connection = cast(sqlite3.Connection, dialect.connect(*args, **kwargs))
        connection.isolation_level = None
        return connection


def start_checkpointer(engine: Engine) -> Checkpointer | None:
    """A Checkpointer for an engine on a SQLite file; None for any other database."""
    url = engine.url.render_as_string(hide_password=False)
    return Checkpointer(engine) if sqlite_file(url) is not None else None


_COMMITTED = "yardstick_committed_writes"


def _mark_committed(connection: Any) -> None:
    if connection.get_execution_options().get(WRITE_OPTION, False):
        connection.info[_COMMITTED] = True


def _set_backstop(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
