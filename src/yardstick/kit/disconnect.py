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
    holds) and ClientDisconnect raised, which the app answers quietly (yardstick.errors).

    `work` runs in the handler's own task and a watcher beside it cancels that task: a stream
    whose first chunk is awaited here goes on in this task, and aiohttp's read timeouts cancel
    the task that started the request (in a task of its own, a finished task was cancelled and
    the stream's upstream call stayed open)."""
    handler = asyncio.current_task()
    if handler is None:  # not in a task: nothing to cancel
        return await work
    gone = False

    async def watch() -> None:
        nonlocal gone
        while True:
            await asyncio.sleep(CHECK_EVERY_SECONDS)
            if await request.is_disconnected():
                gone = True
                handler.cancel()
                return

    watcher = asyncio.create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        # Ours, unless the server cancels the handler too (shutting down): then it goes on up.
        if gone and handler.uncancel() == 0:
            raise ClientDisconnect() from None
        raise
    finally:
        watcher.cancel()
