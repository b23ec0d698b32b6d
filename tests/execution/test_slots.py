"""A vendor's slots: calls at once never exceed its concurrency, calls plus cells waiting for
their commit never exceed concurrency + headroom, and a cell waiting for its commit no longer
holds back the next call."""

import asyncio
import time
from collections.abc import Callable

import pytest

from yardstick.execution.slots import VendorSlots, headroom, held


@pytest.mark.parametrize(("concurrency", "expected"), [(1, 1), (3, 1), (8, 2), (32, 8), (256, 64)])
def test_the_headroom_is_a_quarter_of_the_concurrency_and_at_least_one(
    concurrency: int, expected: int
) -> None:
    assert headroom(concurrency) == expected


class Counts:
    def __init__(self) -> None:
        self.calling = self.holding = 0
        self.max_calling = self.max_holding = 0
        self.calls_started = 0

    def enter(self) -> None:
        self.holding += 1
        self.calling += 1
        self.calls_started += 1
        self.max_holding = max(self.max_holding, self.holding)
        self.max_calling = max(self.max_calling, self.calling)


async def until(done: Callable[[], bool]) -> None:
    """Wait (up to 10 s, for a loaded machine) for `done()`."""
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def cell(slots: VendorSlots, counts: Counts, committed: asyncio.Event) -> None:
    async with held(slots) as hold:
        counts.enter()
        await asyncio.sleep(0.001)  # the model call
        counts.calling -= 1
        hold.call_returned()
        await committed.wait()  # the group commit
        counts.holding -= 1


def test_calls_and_uncommitted_cells_stay_within_their_bounds() -> None:
    asyncio.run(_calls_and_uncommitted_cells_stay_within_their_bounds())


async def _calls_and_uncommitted_cells_stay_within_their_bounds() -> None:
    slots = VendorSlots(8)
    counts = Counts()
    committed = asyncio.Event()
    cells = [asyncio.create_task(cell(slots, counts, committed)) for _ in range(50)]
    await until(lambda: counts.calls_started == 8 + headroom(8))
    await asyncio.sleep(0.05)
    # No commit has come: the result slots are all taken, and no more calls start.
    assert counts.calls_started == 8 + headroom(8)
    assert counts.max_calling == 8
    committed.set()
    await asyncio.gather(*cells)
    assert counts.max_calling == 8
    assert counts.max_holding == 8 + headroom(8)
    assert counts.calls_started == 50


def test_a_cell_waiting_for_its_commit_lets_the_next_call_start() -> None:
    asyncio.run(_a_cell_waiting_for_its_commit_lets_the_next_call_start())


async def _a_cell_waiting_for_its_commit_lets_the_next_call_start() -> None:
    slots = VendorSlots(1)
    counts = Counts()
    committed = asyncio.Event()
    first = asyncio.create_task(cell(slots, counts, committed))
    second = asyncio.create_task(cell(slots, counts, committed))
    # The first cell waits for its commit; the second makes its call meanwhile.
    await until(lambda: counts.calls_started == 2)
    assert counts.max_calling == 1
    committed.set()
    await asyncio.gather(first, second)


def test_a_cell_cancelled_or_failing_gives_both_slots_back() -> None:
    asyncio.run(_a_cell_cancelled_or_failing_gives_both_slots_back())


async def _a_cell_cancelled_or_failing_gives_both_slots_back() -> None:
    slots = VendorSlots(2)  # 2 call slots, 3 result slots
    in_call = asyncio.Event()

    async def stuck_in_its_call() -> None:
        async with held(slots):
            await in_call.wait()

    stuck = [asyncio.create_task(stuck_in_its_call()) for _ in range(2)]
    await until(lambda: slots.calls.locked())
    # A third cell takes the last result slot and waits for a call slot; cancelled there, it
    # gives the result slot back.
    waiting = asyncio.create_task(stuck_in_its_call())
    await until(lambda: slots.results.locked())
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not slots.results.locked()
    for task in stuck:
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)

    with pytest.raises(RuntimeError):
        async with held(slots):
            raise RuntimeError("the task raised")

    # Every slot is free again: as many cells as there are slots take them at once.
    assert slots.calls._value == 2
    assert slots.results._value == 2 + headroom(2)


def test_a_cell_that_calls_no_model_takes_no_slot() -> None:
    asyncio.run(_a_cell_that_calls_no_model_takes_no_slot())


async def _a_cell_that_calls_no_model_takes_no_slot() -> None:
    async with held(None) as hold:
        hold.call_returned()
