"""A vendor's slots: how many of its model calls run at once, and how many finished cells of
those calls may wait for their commit.

A cell that called a model holds two slots of its vendor:

- a *call* slot, one of `concurrency`, from before its call starts until the call returns: the
  vendor never sees more than `concurrency` calls of this process at once;
- a *result* slot, one of `concurrency + headroom(concurrency)`, from before its call starts
  until its cell is committed: calls in flight plus finished cells not yet durable never exceed
  that number, which is the most a crash can make us call again.

Holding the call slot until the commit too (as the engine once did) kept each slot idle for the
commit's wait, ~6 ms of a 50 ms model's ~64 ms cycle at 32 in flight. 10,000 items at 32 in
flight, traced, alternated with that code: 89-91 % of the latency floor, against 76-84 %. At 256
in flight, where the run is CPU-bound, no difference showed. The headroom keeps that gain and
still bounds a crash's repeats.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


def headroom(concurrency: int) -> int:
    """Finished cells allowed to wait for their commit beyond `concurrency`: a quarter of it
    (at least one). At 32 in flight about two cells finish during a commit, at 256 about twenty;
    a group commit of them takes a few milliseconds, so a quarter leaves room for the next."""
    return max(1, concurrency // 4)


@dataclass
class VendorSlots:
    concurrency: int
    calls: asyncio.Semaphore = field(init=False)
    results: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.calls = asyncio.Semaphore(self.concurrency)
        self.results = asyncio.Semaphore(self.concurrency + headroom(self.concurrency))


class HeldSlots:
    """The slots one cell holds; `call_returned()` gives the call slot back early."""

    def __init__(self, slots: VendorSlots | None) -> None:
        self._slots = slots
        self._holds_call = slots is not None

    def call_returned(self) -> None:
        if self._slots is not None and self._holds_call:
            self._holds_call = False
            self._slots.calls.release()


@asynccontextmanager
async def held(slots: VendorSlots | None) -> AsyncIterator[HeldSlots]:
    """Hold a result slot and a call slot of `slots` (None: a cell that calls no model) for the
    block, the call slot until `call_returned()` if that comes first. The result slot is taken
    first, so cells waiting for either queue in one order and never hold one while another
    cell holds the other it waits for."""
    if slots is None:
        yield HeldSlots(None)
        return
    async with slots.results:
        # Released by `call_returned()`, at the latest when the block ends.
        await slots.calls.acquire()
        cell = HeldSlots(slots)
        try:
            yield cell
        finally:
            cell.call_returned()
