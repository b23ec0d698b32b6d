"""A token bucket per API key: `rate` requests a second on average, bursts up to `burst`.

Per process: with N server processes behind a balancer a key gets up to N times the rate. The
buckets of keys idle long enough to be full again are dropped, so memory follows the keys
active in the last few seconds, not every key ever seen.
"""

import math
import time


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
