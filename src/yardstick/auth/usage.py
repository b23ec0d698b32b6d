"""When each API key was last used: `api_keys.last_used_at`, written off the request's path.

A request only notes the use in memory (a dict lookup); at most once per RECORD_EVERY_SECONDS per
key and process, it hands the write to one background thread, so a read never waits on a write
(on SQLite a write waits for the database's single writer). The UPDATE is conditional too: with
several processes serving, the column still moves about once a minute, not once per process.
"""

import logging
import queue
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.models import ApiKey

RECORD_EVERY_SECONDS = 60.0

log = logging.getLogger(__name__)


def record_use(sessions: SessionFactory, key_id: str, at: datetime) -> None:
    """Set the key's `last_used_at` to `at`, unless it was set less than a minute before."""
    since = at - timedelta(seconds=RECORD_EVERY_SECONDS)
    with sessions.write() as session, session.begin():
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .where(or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < since))
            .values(last_used_at=at)
        )


class UsageRecorder:
    def __init__(self) -> None:
        self._due: dict[str, float] = {}
        self._writes: queue.SimpleQueue[tuple[SessionFactory, str, datetime]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def touch(self, sessions: SessionFactory, key_id: str) -> None:
        """Note a use of the key; cheap, never blocks on the database."""
        now = time.monotonic()
        due = self._due.get(key_id)
        if due is not None and now < due:
            return
        self._due[key_id] = now + RECORD_EVERY_SECONDS
        self._writes.put((sessions, key_id, utcnow()))
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                # A daemon: a write still queued when the process exits is a minute of
                # last-used information, not worth holding up a shutdown.
                self._thread = threading.Thread(
                    target=self._run, name="yardstick-key-usage", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            sessions, key_id, at = self._writes.get()
            try:
                record_use(sessions, key_id, at)
            except Exception:
                log.warning("could not record the use of API key %s", key_id, exc_info=True)


usage = UsageRecorder()
