"""Retry delays and the token bucket."""

import asyncio
import time
from email.utils import formatdate

from yardstick.provider.limits import (
    BACKOFF_CAP_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    TokenBucket,
    backoff_seconds,
    retry_after_seconds,
)


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({"retry-after-ms": "junk", "retry-after": "2"}) == 2.0


def test_retry_after_as_an_http_date_and_its_bounds() -> None:
    in_ten = retry_after_seconds({"retry-after": formatdate(time.time() + 10, usegmt=True)})
    assert in_ten is not None and 8 <= in_ten <= 10
    assert retry_after_seconds({"retry-after": formatdate(time.time() - 100, usegmt=True)}) == 0
    assert retry_after_seconds({"retry-after": "3600"}) == MAX_RETRY_AFTER_SECONDS
    # A negative count of seconds means nothing (the backoff's delay, not an instant retry);
    # a meaningless retry-after-ms gives way to retry-after.
    assert retry_after_seconds({"retry-after-ms": "-5"}) is None
    assert retry_after_seconds({"retry-after": "-5"}) is None
    assert retry_after_seconds({"retry-after-ms": "-100", "retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "0"}) == 0


def test_backoff_is_full_jitter_under_a_growing_cap() -> None:
    for attempt, cap in ((1, 0.5), (2, 1.0), (3, 2.0), (10, BACKOFF_CAP_SECONDS)):
        delays = [backoff_seconds(attempt) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap / 2  # spread over the whole range, not pinned to the cap


def test_token_bucket_allows_a_burst_then_paces() -> None:
    async def main() -> tuple[float, float]:
        bucket = TokenBucket(rate=50, burst=5)
        started = time.monotonic()
        for _ in range(5):
            await bucket.acquire()
        burst = time.monotonic() - started
        for _ in range(10):
            await bucket.acquire()
        return burst, time.monotonic() - started

    burst, total = asyncio.run(main())
    assert burst < 0.05 and total >= 0.18  # 10 more tokens at 50/s
