"""Fail fast: stop a task whose first cells all fail with the same error no retry will fix.

A mistyped model name, a wrong key or a dead endpoint fails every item the same way, so once a
task's first N cells (YARDSTICK_FAIL_FAST_AFTER, default 20; 0 turns this off) have failed
with one such error and none has succeeded, the task stops: the runner calls no model for its
remaining cells and stores them errored (`TaskStopped`, saying why), and the evaluation keeps a
`status_reason` and ends `failed`. A retry, or a change to the task, starts it afresh.

Counting is per worker process and per run: the first worker to see N such failures stops the
task for every worker (the stop is stored on the evaluation, which chunks read), so a task
costs at most N failed calls per worker plus those already in flight.
"""

import threading
from dataclasses import dataclass

from yardstick.task.context import TaskFailure
from yardstick.task.locator import LocatorError

STOPPED = "TaskStopped"
# Errors the same for every item: the model, the vendor or the key is wrong (or the account's
# stored key does not decrypt here), or the endpoint is unreachable after the provider layer's
# retries. A locator that names no field is one too
# when it fails on every item so far (a typo in the configuration).
_FATAL_TYPES = frozenset(
    {
        "ModelNotFound",
        "ProviderNotConfigured",
        "ConnectionFailed",
        "AccountKeyUnreadable",
        LocatorError.type,
    }
)
# Refusals that say the key or the model is wrong, not this item's request.
_FATAL_STATUSES = frozenset({401, 403, 404})
# Trackers kept per process; the oldest go first (a finished run's are never looked at again).
_MAX_TRACKED = 10_000


def signature(exc: Exception) -> tuple[str, str] | None:
    """(error type, message) when `exc` is an error every item would hit alike, else None."""
    if isinstance(exc, LocatorError):
        return exc.type, str(exc)
    if not isinstance(exc, TaskFailure):
        return None
    if exc.type in _FATAL_TYPES or (
        exc.type == "UpstreamRejected" and exc.status_code in _FATAL_STATUSES
    ):
        return exc.type, exc.message
    return None


@dataclass
class _Tracker:
    first: tuple[str, str] | None = None
    count: int = 0
    healthy: bool = False
    stopped: str | None = None  # why, once stopped


class FailFast:
    """The process's count of identical fatal failures per (evaluation, run, alias)."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._lock = threading.Lock()
        self._trackers: dict[tuple[str, int, str], _Tracker] = {}

    def observe(
        self, key: tuple[str, int, str], failure: tuple[str, str] | None, *, ok: bool
    ) -> str | None:
        """Count one finished cell; returns the stop reason when this cell stops the task."""
        if self.threshold <= 0:
            return None
        with self._lock:
            tracker = self._trackers.get(key)
            if tracker is None:
                if len(self._trackers) >= _MAX_TRACKED:
                    del self._trackers[next(iter(self._trackers))]
                tracker = self._trackers[key] = _Tracker()
            if tracker.healthy or tracker.stopped:
                return None
            if ok or failure is None or (tracker.first is not None and failure != tracker.first):
                tracker.healthy = True  # a success, or errors that differ: not a dead task
                return None
            tracker.first = failure
            tracker.count += 1
            if tracker.count < self.threshold:
                return None
            error_type, message = failure
            tracker.stopped = (
                f"task {key[2]!r} stopped after its first {self.threshold} cells all failed "
                f"with {error_type}: {message}"
            )
            return tracker.stopped

    def stopped(self, key: tuple[str, int, str]) -> str | None:
        """Why the task was stopped in this process, or None."""
        with self._lock:
            tracker = self._trackers.get(key)
            return None if tracker is None else tracker.stopped
