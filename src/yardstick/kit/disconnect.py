"""Stop work whose client has gone.

Starlette runs a request's handler to its end even when the client hangs up. For a model call
that is costly for everyone: the call holds one of its vendor's slots, which every account
shares, until the upstream answers or its timeouts and retries run out (hours, for a call with
its own long `inference_configuration`). `unless_client_gone` cancels it instead.
"""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import ClientDisconnect, Request

T = TypeVar("T")

# How often a waiting handler asks whether its client is still there: each ask is one
# non-blocking look at the connection.
CHECK_EVERY_SECONDS = 0.5


async def unless_client_gone(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result; if the client hangs up first, `work` is cancelled (giving back what it
    holds) and ClientDisconnect raised, which the app answers quietly (yardstick.errors)."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=CHECK_EVERY_SECONDS)
            if done:
                return task.result()
            if await request.is_disconnected():
                raise ClientDisconnect()
    finally:
        task.cancel()
