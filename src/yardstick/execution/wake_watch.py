"""Wake-ups from other processes: a chunk enqueued elsewhere is polled for at once.

A process enqueues through its own database session (`wake.wake_after_commit`) and wakes its
own pollers; a worker in another process (`yardstick worker`, or a server whose API enqueues
while a worker elsewhere runs the chunks) would see the chunk only at its idle poll. So each
worker process also watches for the signal the database gives:

- PostgreSQL: the enqueuing transaction sends `NOTIFY yardstick_engine` as it commits; here a
  connection of its own LISTENs and nudges the pollers on each notification. A lost connection
  is reopened after RECONNECT_SECONDS (the idle poll covers the gap).
- SQLite: any commit by any process writes the database's WAL file; here its size and mtime are
  read every SQLITE_CHECK_SECONDS (a `stat`, no query) and a change nudges the pollers. This
  process's own writes nudge them too, which costs one poll each at most that often. Once a
  second, not more: four times a second were a tenth of an idle server's CPU.
"""

import logging
import os
import threading

import psycopg
from sqlalchemy.engine import make_url

from yardstick.config import Settings
from yardstick.execution.wake import CHANNEL, nudge
from yardstick.execution.worker_sessions import application_name

log = logging.getLogger(__name__)

SQLITE_CHECK_SECONDS = 1.0
LISTEN_TIMEOUT_SECONDS = 1.0  # how soon a stop is seen while listening
RECONNECT_SECONDS = 5.0


class WakeWatch:
    """A daemon thread that nudges the pollers when another process may have enqueued."""

    def __init__(self, settings: Settings) -> None:
        self._url = make_url(settings.database_url)
        # Named as the worker's other connections are (execution.worker_sessions).
        self._name = application_name(settings.worker_id)
        self._stop = threading.Event()
        target = self._watch_sqlite if settings.is_sqlite else self._listen_postgres
        self._thread = threading.Thread(target=target, name="wake-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=LISTEN_TIMEOUT_SECONDS + 1)

    def _watch_sqlite(self) -> None:
        path = f"{self._url.database}-wal"
        last: tuple[int, int] | None = None
        while not self._stop.wait(SQLITE_CHECK_SECONDS):
            try:
                stat = os.stat(path)
            except OSError:  # no WAL yet (or between a checkpoint's truncate and the next write)
                continue
            seen = (stat.st_mtime_ns, stat.st_size)
            if last is not None and seen != last:
                nudge()
            last = seen

    def _listen_postgres(self) -> None:
        conninfo = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    conninfo, autocommit=True, application_name=self._name
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    nudge()  # anything enqueued while this connection was not listening
                    while not self._stop.is_set():
                        if any(True for _ in conn.notifies(timeout=LISTEN_TIMEOUT_SECONDS)):
                            nudge()
            except psycopg.Error:
                log.warning("listening for enqueued chunks failed; retrying", exc_info=True)
                self._stop.wait(RECONNECT_SECONDS)
