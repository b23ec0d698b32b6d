"""A first-come, first-served queue for SQLite's one writer, inside a process.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps
and retries with no order at all. Under load a writer can lose the race again and again: with
64 clients the slowest writes took 13-17 s while most took milliseconds (`./dev bench load`).
Queueing a process's writers here before `BEGIN IMMEDIATE` hands the lock over in arrival
order, so a write waits for the writes ahead of it and no longer. Writers in other processes
still meet at the busy handler, but each process then sends at most one writer there.
"""

import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

# Until a writer has waited this long, a newcomer may take a free gate before it (as SQLite's own
# handler would let it): handing the gate from thread to thread waits on the GIL's 5 ms switch
# interval, so strict turns would cost most of the write rate. After it, writers take turns.
STARVING_AFTER_SECONDS = 0.05


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

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()
        self._held = False

    def enter(self, info: dict[object, object]) -> None:
        if not info.get(self._HOLDS):  # already its own if a release was missed
            self.acquire()
            info[self._HOLDS] = True

    def leave(self, info: dict[object, object]) -> None:
        if info.pop(self._HOLDS, False):
            self.release()

    def acquire(self) -> None:
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

    def release(self) -> None:
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
