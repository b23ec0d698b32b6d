"""A first-come, first-served queue for SQLite's one writer, in a process and across them.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps
and retries with no order at all. Under load a writer can lose the race again and again: with
64 clients the slowest writes took 13-17 s while most took milliseconds (`./dev bench load`).
Queueing a process's writers here before `BEGIN IMMEDIATE` hands the lock over in arrival
order, so a write waits for the writes ahead of it and no longer.

Between processes (`yardstick worker` beside `serve --no-worker`, two servers on one file),
the writer at the head of each process's queue also takes an exclusive `flock` on a file beside
the database (`<database>.write-lock`, made at the first write) before `BEGIN IMMEDIATE`, and
lets it go after the commit. SQLite's busy handler sleeps 1, 2, 5, 10 ms … between tries: two
servers on one file meeting there ingested 4,500-5,300 spans/s together where one alone took
6,400-6,600, and 6,700-7,100 with the lock file, which the kernel hands to the next process at
once. It is polled, not waited on, so a writer still gives up after the busy timeout; a process
that dies lets its lock go with it. It is opened read-only: `flock` needs no more, so processes
of other users that may read the database may take it too.
"""

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import OperationalError

# Until a writer has waited this long, a newcomer may take a free gate before it (as SQLite's own
# handler would let it): handing the gate from thread to thread waits on the GIL's 5 ms switch
# interval, so strict turns would cost most of the write rate. After it, writers take turns.
STARVING_AFTER_SECONDS = 0.05
# Between two tries for another process's lock file. A write transaction of a span batch takes
# milliseconds, and the lock sat free for half a try on average: two servers on one file took
# 11,200-11,800 spans/s through `PUT /v5/spans/batch` polling every 0.5 ms, 12,500-13,100 every
# 0.1 ms, for the same CPU a span (the tries are a syscall each).
FILE_LOCK_POLL_SECONDS = 0.0001


class WriteGateTimeout(OperationalError):
    """Waited as long as SQLite's busy timeout would have: the error SQLite gives then, so the
    engine's retries and the API's 503 treat it as the database being busy."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            "BEGIN IMMEDIATE",
            None,
            sqlite3.OperationalError(f"database is locked (queued {seconds:g} s for the writer)"),
        )


class WriteGate:
    """`enter` and `leave` take a connection's info dict, which marks whether that connection
    holds the gate: a transaction can end several ways (commit, rollback, the pool's reset,
    invalidation) and more than one may report it, but the gate is released once."""

    _HOLDS = "yardstick_holds_write_gate"

    def __init__(self, timeout: float, lock_file: Path | None = None) -> None:
        """`lock_file`: shared with other processes writing the same database (None: an
        in-memory database, which no other process can open)."""
        self._timeout = timeout
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()
        self._held = False
        self._lock_file = lock_file
        self._fd: int | None = None  # the lock file, opened by the first writer

    def enter(self, info: dict[object, object]) -> None:
        if not info.get(self._HOLDS):  # already its own if a release was missed
            self.acquire()
            info[self._HOLDS] = True

    def leave(self, info: dict[object, object]) -> None:
        if info.pop(self._HOLDS, False):
            self.release()

    def acquire(self) -> None:
        """This process's turn, then the database's (the lock file): WriteGateTimeout when
        either takes longer than the busy timeout."""
        deadline = time.monotonic() + self._timeout
        self._take_turn()
        if self._lock_file is None:
            return
        try:
            self._lock_across_processes(deadline)
        except BaseException:
            self._pass_turn()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._pass_turn()

    def _lock_across_processes(self, deadline: float) -> None:
        # Only the thread whose turn it is gets here: one per process.
        if self._fd is None:
            assert self._lock_file is not None
            self._fd = os.open(self._lock_file, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteGateTimeout(self._timeout) from None
                time.sleep(FILE_LOCK_POLL_SECONDS)

    def _take_turn(self) -> None:
        now = time.monotonic()
        with self._lock:
            if not self._held and not self._starving(now):
                self._held = True
                return
            waiter = _Waiter(now)
            self._queue.append(waiter)
        deadline = now + self._timeout
        while waiter.turn.wait(max(0.0, deadline - time.monotonic())):
            with self._lock:
                if waiter.handed:
                    return
                if not self._held:  # woken to take it if it can: free, so it is ours
                    self._queue.remove(waiter)
                    self._held = True
                    return
                waiter.turn.clear()  # someone barged in first: wait again, still in line
        with self._lock:
            if waiter.handed:  # handed over just as the wait gave up: it is ours after all
                return
            self._queue.remove(waiter)
        raise WriteGateTimeout(self._timeout)

    def _pass_turn(self) -> None:
        with self._lock:
            if not self._queue:
                self._held = False
                return
            first = self._queue[0]
            if self._starving(time.monotonic()):
                self._queue.popleft()
                first.handed = True  # the gate passes straight to it; nobody can barge
            else:
                self._held = False
            first.turn.set()

    def _starving(self, now: float) -> bool:
        return bool(self._queue) and now - self._queue[0].since >= STARVING_AFTER_SECONDS


@dataclass
class _Waiter:
    since: float
    turn: threading.Event = field(default_factory=threading.Event)
    handed: bool = False
