"""Whether the calls made in this context are still wanted, and the wait before a retry that
ends as soon as they are not.

A run's cell makes its calls under `wanted_while` (the engine's runner: while the run goes on).
A call waiting to retry (a 429's `retry-after` of up to a minute, or the backoff) then makes no
further attempt once the run has stopped: cancelled, archived, superseded, out of budget or
taken over. Before this, each cell waiting when a run was cancelled sent its next attempt up to
a minute later, paid for an answer nobody would store, and held its vendor slot meanwhile.
Calls outside a run (the API's own model routes) are always wanted.
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from yardstick.provider.errors import ProviderError

# How often a waiting call asks whether it is still wanted: a stopped run's waiting calls end
# within this (plus however long the run takes to notice it stopped).
CHECK_SECONDS = 0.25

_still: ContextVar[Callable[[], bool] | None] = ContextVar("yardstick_call_wanted", default=None)


class CallAbandoned(ProviderError):
    """A call given up between two attempts because it is no longer wanted."""

    type = "CallAbandoned"


@contextmanager
def wanted_while(still: Callable[[], bool]) -> Iterator[None]:
    """Calls made in this context (and the tasks it starts) retry only while `still()`."""
    token = _still.set(still)
    try:
        yield
    finally:
        _still.reset(token)


def still_wanted() -> bool:
    still = _still.get()
    return still is None or still()


async def wait_to_retry(seconds: float, attempts: int) -> None:
    """Sleep `seconds` before the next attempt; CallAbandoned as soon as the call is not
    wanted any more."""
    until = time.monotonic() + seconds
    while True:
        if not still_wanted():
            raise CallAbandoned(
                f"the call was given up after {attempts} attempts: its run stopped",
                attempts=attempts,
            )
        left = until - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, CHECK_SECONDS))
