"""How the pages show a cost: to the cent from $100, four decimals below, and a cheap cell's
fractions of a cent with two significant digits (it read "$0.0000")."""

import pytest

from yardstick.web.pages import ENV

COST = ENV.filters["cost"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0.0, "$0.0000"),
        (0.000035, "$0.000035"),
        (0.0000001234, "$0.00000012"),
        (0.0001, "$0.0001"),
        (1.23456, "$1.2346"),
        (1234.5, "$1,234.50"),
        (1e-12, "<$0.000000001"),
    ],
)
def test_a_cost_is_shown_to_its_first_digits(value: float | None, shown: str) -> None:
    assert COST(value) == shown
