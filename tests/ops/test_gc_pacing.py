"""A long-running process collects its young objects far less often, and never walks what
start-up built again."""

import gc
from collections.abc import Iterator

import pytest

from yardstick.ops.gc_pacing import YOUNG_EVERY, pace_gc


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_pace_gc_freezes_start_up_and_collects_young_objects_less_often() -> None:
    _, middle, old = gc.get_threshold()
    pace_gc()
    assert gc.get_threshold() == (YOUNG_EVERY, middle, old)
    assert gc.get_freeze_count() > 0
    # Cycles are still collected, only later.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect(0) >= 1
