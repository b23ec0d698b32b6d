"""The model calls a cell makes, recorded as they happen, for the run's trace.

The engine opens a `CallLog` around each cell (`recording`); every vendor call made under it,
however deep in a task (a chat completion, an inference, each ask and re-ask of a judge), lands
in that log through a context variable, which asyncio copies into the tasks a cell starts.
Outside a run (the API's own `/v5/chat/completions`) nothing is recorded and the cost is one
context-variable read per call.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(slots=True)
class CallRecord:
    """One vendor call, all its attempts: what was sent, what came back or why not."""

    vendor: str
    path: str  # "/chat/completions", "/completions", "/embeddings"
    request: dict[str, Any]
    started_at: datetime
    ended_at: datetime
    attempts: int
    latency_ms: float | None = None  # of the attempt that answered
    response: dict[str, Any] | None = None
    error_type: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class CallLog:
    calls: list[CallRecord] = field(default_factory=list)


_current: ContextVar[CallLog | None] = ContextVar("yardstick_call_log", default=None)


@contextmanager
def recording() -> Iterator[CallLog]:
    """Record the vendor calls made in this context (and the tasks it starts) into a new log."""
    log = CallLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def current() -> CallLog | None:
    """The log of the cell this code runs for, if any: for work done elsewhere on its behalf."""
    return _current.get()


class CallTimer:
    """Started before a call's first attempt; `record` files the call in the current log, if
    any. The wall clock is read once, the rest is measured on the monotonic clock."""

    __slots__ = ("_log", "_started", "_wall")

    def __init__(self) -> None:
        self._log = _current.get()
        # The wall clock first: a thread switch between the two reads then makes the call's
        # recorded times early, never late (its end past the cell's, and its root's, end).
        self._wall = datetime.now(UTC) if self._log is not None else None
        self._started = time.perf_counter()

    def record(
        self,
        *,
        vendor: str,
        path: str,
        request: dict[str, Any],
        attempts: int,
        latency_ms: float | None = None,
        response: dict[str, Any] | None = None,
        error: tuple[str, str] | None = None,
    ) -> None:
        if self._log is None or self._wall is None:
            return
        elapsed = timedelta(seconds=time.perf_counter() - self._started)
        self._log.calls.append(
            CallRecord(
                vendor=vendor,
                path=path,
                request=request,
                started_at=self._wall,
                ended_at=self._wall + elapsed,
                attempts=attempts,
                latency_ms=latency_ms,
                response=response,
                error_type=error[0] if error else None,
                error_message=error[1] if error else None,
            )
        )
