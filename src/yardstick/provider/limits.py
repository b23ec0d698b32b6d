"""Pacing of upstream calls: a token-bucket rate limiter and the retry delays."""

import asyncio
import math
import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

# Full-jitter exponential backoff: attempt n waits U(0, min(cap, base * 2^(n-1))) seconds.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# A longer retry-after is cut to this: a call waits at most this long between two attempts.
MAX_RETRY_AFTER_SECONDS = 60.0


class TokenBucket:
    """`rate` requests per second with bursts of `burst`; waiters are served in arrival order."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


def backoff_seconds(attempt: int) -> float:
    """The delay after failed attempt number `attempt` (1-based) when the upstream named none."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)))


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The upstream's requested delay: `retry-after-ms` (OpenAI) first, then `retry-after`."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            delay = _delay(float(value) / 1000)
        except ValueError:
            delay = None
        if delay is not None:
            return delay
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return _delay(float(value))
    except ValueError:
        pass
    try:
        # A date already past means now.
        return _delay(max(0.0, parsedate_to_datetime(value).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


def _delay(seconds: float) -> float | None:
    """A requested delay, at most MAX_RETRY_AFTER_SECONDS; None (the backoff's) for one that
    means nothing: a negative count of seconds no more asks for an instant retry than "abc"."""
    if math.isnan(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)
