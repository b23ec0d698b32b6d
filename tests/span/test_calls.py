"""The times a call is recorded with (yardstick.span.calls.CallTimer): read from the wall clock
once and measured on the monotonic one, so that a thread switch between the two reads makes
them early, never late. Late, a call's end passed its cell's end, and so its root's."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from yardstick.span import calls

EPOCH = datetime(2026, 12, 5, tzinfo=UTC)


class _Clocks:
    """A wall and a monotonic clock on one timeline; every read of either takes 5 ms, as if
    the thread had been switched out right after it."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def _read(self) -> float:
        now = self.seconds
        self.seconds += 0.005
        return now

    def perf_counter(self) -> float:
        return self._read()

    def now(self, tz: object = None) -> datetime:
        return EPOCH + timedelta(seconds=self._read())


def test_a_switch_between_the_clock_reads_never_makes_a_call_end_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocks = _Clocks()
    monkeypatch.setattr(calls, "time", SimpleNamespace(perf_counter=clocks.perf_counter))
    monkeypatch.setattr(calls, "datetime", SimpleNamespace(now=clocks.now))
    with calls.recording() as log:
        started = EPOCH + timedelta(seconds=clocks.seconds)
        timer = calls.CallTimer()
        returned = EPOCH + timedelta(seconds=clocks.seconds)  # the call is over: record it
        timer.record(vendor="openai", path="/chat/completions", request={}, attempts=1)

    (call,) = log.calls
    assert started <= call.started_at <= call.ended_at <= returned
