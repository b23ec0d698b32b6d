"""A token bucket per API key: `rate` requests a second on average, bursts up to `burst`.

Per process: with N server processes behind a balancer a key gets up to N times the rate. The
buckets of keys idle long enough to be full again are dropped, so memory follows the keys
active in the last few seconds, not every key ever seen.
"""

import math
import time

from yardstick.config import Settings
from yardstick.errors import AppError


class RateLimiter:
    def __init__(self, rate: float, burst: int | None = None) -> None:
        self.rate = rate
        self.burst = float(burst if burst is not None else max(1, math.ceil(rate)))
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, as of)
        self._swept = time.monotonic()

    def take(self, key: str) -> float:
        """Spend one token of `key`'s bucket: 0 when allowed, else the seconds until one."""
        now = time.monotonic()
        tokens, since = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - since) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        if now - self._swept > self.burst / self.rate:
            self._sweep(now)
        return 0.0

    def _sweep(self, now: float) -> None:
        refill = self.burst / self.rate  # a bucket untouched this long is full: forget it
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket[1] < refill
        }
        self._swept = now


class RateLimited(AppError):
    """A 429: the key spent its bucket. The API's gate answers it, and so does a web page (the
    UI signs in with the same key, and its heavier pages were not counted)."""

    status_code = 429

    def __init__(self, rate: float, wait: float) -> None:
        super().__init__(
            f"this API key's rate limit ({rate:g} requests a second) is exceeded; retry after "
            "the time in `retry-after`"
        )
        self.headers = {"retry-after": str(math.ceil(wait)), "x-should-retry": "true"}


def key_limiter(settings: Settings) -> RateLimiter | None:
    """The process's limiter of API keys, if `YARDSTICK_RATE_LIMIT_PER_SECOND` sets one."""
    if settings.rate_limit_per_second <= 0:
        return None
    return RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)


def spend(limiter: RateLimiter | None, key_id: str) -> None:
    """Count one request of the key; RateLimited past its limit."""
    if limiter is not None:
        wait = limiter.take(key_id)
        if wait > 0:
            raise RateLimited(limiter.rate, wait)
