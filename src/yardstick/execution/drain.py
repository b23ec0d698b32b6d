"""Stopping the engine without losing work: the drain, and the exit that leaves a chunk to recovery.

On SIGTERM or SIGINT, `Worker.stop` begins the drain while DBOS stops dequeuing: no chunk starts
another cell (`Drain.stopping`), and the cells in flight (model calls, scores, custom functions)
finish and are committed as usual. Each chunk then ends with `ShuttingDown`, unfinished: its
workflow stays PENDING, so the next start with the same worker id (DBOS recovers its executor's
workflows at launch) or a live worker's takeover (`recovery`) runs it again, and it computes only
the cells not committed here. Chunks still running when the grace period ends are abandoned:
their items are cancelled, and the calls they had in flight are the only ones made again.
"""

import asyncio
from typing import Any


class ShuttingDown(BaseException):
    """Ends a chunk the drain stopped, leaving its workflow to be run again.

    A BaseException on purpose: DBOS records an Exception as the step's and the workflow's
    outcome (ERROR, never run again), and `run_chunk` turns one into a failed run. This one
    passes both unrecorded, and DBOS does not log it.
    """


class Drain:
    """One worker's drain (a fresh one per `Worker.start`); used on the engine's event loop."""

    def __init__(self) -> None:
        self.stopping = False
        self._abandoned = False
        self._running: set[asyncio.Future[Any]] = set()

    def begin(self) -> None:
        """From now on no cell starts: every task checks `stopping` before it runs."""
        self.stopping = True

    async def items(self, items: "asyncio.Future[Any]") -> None:
        """Await a chunk's items (a gather); ShuttingDown if the drain abandoned them."""
        self._running.add(items)
        try:
            await items
        except asyncio.CancelledError:
            task = asyncio.current_task()
            # Cancelled by `settle`, not because this chunk's own task is being cancelled.
            if self._abandoned and task is not None and not task.cancelling():
                raise ShuttingDown from None
            raise
        finally:
            self._running.discard(items)

    async def settle(self, grace: float) -> None:
        """Wait up to `grace` seconds for every chunk's items to end, then cancel the rest."""
        if not self._running:
            return
        _, late = await asyncio.wait(set(self._running), timeout=grace)
        if late:
            self._abandoned = True
            for items in late:
                items.cancel()
            await asyncio.wait(late)
