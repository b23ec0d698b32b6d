"""Work a process does behind its own writes: a queue its writes fill and a loop that empties
it once they are quiet.

Two queues work this way: SQLite's text index (`yardstick.span.text_index`) and a run's traces
(`yardstick.span.run_trace_queue`). Emptying either costs more CPU than filling it, on the same
core and under the same write lock as the writes that fill it, so the loop waits while this
process writes: until nothing was queued here for `quiet_seconds`, unless more than
`max_backlog` rows queued here are waiting. Past that it takes a batch whenever the queue grows
past the bound again, keeping pace. Other processes' rows (and a crashed one's) are found by a
look every `idle_seconds`.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from yardstick.db.session import SessionFactory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Pacing:
    # How long after this process last queued rows the loop starts, and the most rows queued
    # here it lets wait meanwhile.
    quiet_seconds: float
    max_backlog: int
    # Rows taken per transaction: few enough that the write lock is held for tens of ms.
    batch: int
    # How soon the loop sees this process's own rows (a flag, no query), how often it looks
    # for other processes' (one indexed read: ten a minute were a tenth of an idle server's
    # CPU), and the pause between two batches, so other writers get the database in between.
    check_seconds: float = 1.0
    idle_seconds: float = 10.0
    pause_seconds: float = 0.01


def holds_rows(table: str) -> Callable[[SessionFactory], bool]:
    """A Backlog's `pending` for a queue that is a table: whether it holds a row."""

    def pending(sessions: SessionFactory) -> bool:
        with sessions.read() as session:
            found = session.connection().exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1")
            return found.first() is not None

    return pending


def in_a_transaction(
    work: Callable[[Connection, int], int],
) -> Callable[[SessionFactory, int], int]:
    """A Backlog's `take`: `work(connection, limit)` in a write transaction of its own."""

    def take(sessions: SessionFactory, limit: int) -> int:
        with sessions.write() as session, session.begin():
            return work(session.connection(), limit)

    return take


# Every Backlog of this process, by `what`.
_BACKLOGS: dict[str, "Backlog"] = {}


def take_queued() -> dict[str, int]:
    """In a write process (yardstick.db.write_process), which runs no loops: the rows its
    writes queued since the last call, by backlog, for the API process's loops."""
    queued = {what: backlog.rows for what, backlog in _BACKLOGS.items() if backlog.rows}
    for what in queued:
        _BACKLOGS[what].rows = 0
    return queued


def report_queued(queued: dict[str, int]) -> None:
    """In the API process: rows a write process queued, as if its writes had been here."""
    for what, rows in queued.items():
        backlog = _BACKLOGS.get(what)
        if backlog is not None:
            backlog.queued(rows)


class Backlog:
    """A queue's rows queued by this process, as its writes tell the loop: when rows were last
    queued, and about how many wait (writes here add, the loop takes away; other processes'
    rows, which the loop also takes, make it an estimate)."""

    def __init__(
        self,
        what: str,
        pacing: Pacing,
        *,
        pending: Callable[[SessionFactory], bool],
        take: Callable[[SessionFactory, int], int],
    ) -> None:
        """`pending`: whether any row waits; `take`: do the work of up to that many rows in a
        transaction of its own, and say how many rows it took."""
        self.what = what
        _BACKLOGS[what] = self
        self.pacing = pacing
        self.pending = pending
        self.take = take
        self.last = 0.0
        self.rows = 0
        # Set when a write here queues rows: the loop takes them at its next check.
        self.queued_here = threading.Event()

    def queued(self, rows: int) -> None:
        """Rows were queued here (call it before the commit: a look that races the commit
        finds nothing, and the rows wait for the next `idle_seconds` look)."""
        self.last = time.monotonic()
        self.rows += rows
        self.queued_here.set()

    def taken(self, rows: int) -> None:
        self.rows = max(0, self.rows - rows)

    def writing(self) -> bool:
        """Rows are being queued here, and not so many wait that the loop must go on."""
        pacing = self.pacing
        return (
            time.monotonic() - self.last < pacing.quiet_seconds and self.rows < pacing.max_backlog
        )

    async def loop(self, sessions: SessionFactory) -> None:
        """Take the queue's rows while writes here are quiet, or past the backlog bound."""
        looked = 0.0
        while True:
            if not self.writing() and (
                self.queued_here.is_set() or time.monotonic() - looked >= self.pacing.idle_seconds
            ):
                self.queued_here.clear()
                looked = time.monotonic()
                try:
                    if await asyncio.to_thread(self.pending, sessions):
                        await self.take_backlog(sessions)
                except Exception:  # a database hiccup must not end the loop for good
                    log.exception("%s failed; retrying", self.what)
            await asyncio.sleep(self.pacing.check_seconds)

    async def take_backlog(self, sessions: SessionFactory) -> None:
        """Batches until the queue is empty, or until it is back under the bound while writes
        here go on; then the loop comes back once they are quiet."""
        while True:
            taken = await asyncio.to_thread(self.take, sessions, self.pacing.batch)
            self.taken(taken)
            if taken < self.pacing.batch:
                return
            if self.writing():
                # Rows are left: the next quiet check takes them, even if no write follows.
                self.queued_here.set()
                return
            await asyncio.sleep(self.pacing.pause_seconds)
