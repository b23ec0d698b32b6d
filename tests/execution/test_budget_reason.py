"""The budget stop's `status_reason` names both sums as exactly as `usage.cost_usd` keeps them."""

import pytest

from yardstick.execution.cells import _usd


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0.000762, "0.000762"),  # it read $0.0008
        (0.00004, "0.00004"),  # a budget read $4e-05
        (4.05e-06, "0.00000405"),
        (0.05, "0.05"),
        (12.0, "12"),
        (1234.5678901234, "1234.567890123"),
        (0.0, "0"),
    ],
)
def test_dollars_to_the_billionth(amount: float, text: str) -> None:
    assert _usd(amount) == text
