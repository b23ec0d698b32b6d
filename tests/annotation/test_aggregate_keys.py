"""Which answers are the same answer when an item's result is settled (yardstick.annotation.
aggregate): lists of scalars as sets, as agreement reads them; anything else as JSON."""

from datetime import UTC, datetime, timedelta
from typing import Any

from yardstick.annotation.aggregate import ANNOTATION, _Given, _key, _majority

NOW = datetime(2026, 12, 4, tzinfo=UTC)
T1, T2 = "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"


def _given(slot: int, value: Any) -> _Given:
    return _Given(f"t{slot}", ANNOTATION, slot, f"r{slot}", value, None, NOW + timedelta(slot))


def test_several_timestamps_in_another_order_are_one_answer() -> None:
    value, agreement = _majority([_given(0, [T2, T1]), _given(1, [T1, T2]), _given(2, [T1])])
    assert (value, agreement) == ([T2, T1], 2)  # the first submitted, as the tie rule keeps it
    assert _key([T1, T2, T1]) == _key([T2, T1])


def test_lists_of_other_things_and_types_stay_apart() -> None:
    assert _key([1, True]) != _key([True])  # JSON tells true from 1
    assert _key(["1"]) != _key([1])
    assert _key([{"a": 1}, {"b": 2}]) != _key([{"b": 2}, {"a": 1}])  # a form's list: in order
    assert _key({"b": [2, 1], "a": 1}) == _key({"a": 1, "b": [2, 1]})
