"""What both kinds of agreement share: how values are told apart and ordered, the limits that
decide which figures are computed, and the warnings' shape.

A judge against a human (service.py) reads values the database has already classified (a
cell's `value_number` and `value_label`); reviewers' answers (reviewers.py) are classified here,
in Python, by the same rules, so both modes compare the same values the same way.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from yardstick.agreement.bootstrap import Estimate, FloatArray, Method
from yardstick.agreement.schemas import WarningType
from yardstick.db.json_sql import LABEL_MAX_CHARS

DISAGREEMENTS_SHOWN = 100
# More distinct labels than this are free text: only the share of agreement is computed.
MAX_LABELS = 50
# Integers spanning at most this many steps are a rating scale (1-5, 0-10, a 0/1 verdict).
RATING_MAX_SPAN = 10
_TYPE_ORDER = {bool: 0, int: 1, float: 1, str: 2, list: 3}
_SCALARS = (bool, int, float, str)


@dataclass(frozen=True)
class AgreementWarning:
    type: WarningType
    message: str


def number_label(number: float) -> str:
    """A number as a label: its shortest JSON text (3.0 as 3)."""
    # Integral floats as integers, within the range where floats hold every integer exactly.
    if float(number).is_integer() and abs(number) < 2**53:
        number = int(number)
    return orjson.dumps(number).decode()


def classify(value: Any) -> tuple[float | None, str | None]:
    """(number, None) for a JSON number, (None, label) for a label, else (None, None).

    Labels are the JSON text of a boolean or of a string of at most LABEL_MAX_CHARS (as the
    cells' `value_label`), and of a list of such scalars, a multi-select answer: as a set, its
    distinct elements sorted, so ["b", "a", "a"] and ["a", "b"] are one label. Null, objects,
    longer strings and lists holding anything else are not compared.
    """
    if isinstance(value, bool):
        return None, "true" if value else "false"
    if isinstance(value, int | float):
        return float(value), None
    if isinstance(value, str):
        text = orjson.dumps(value).decode()
        return (None, text) if len(text) <= LABEL_MAX_CHARS else (None, None)
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        # Keyed by JSON text, not by value: in Python True == 1, in JSON they differ.
        distinct = {orjson.dumps(v).decode(): v for v in value}
        members = sorted(distinct.values(), key=order)
        return None, orjson.dumps(members).decode()
    return None, None


def order(value: Any) -> tuple[int, Any]:
    """Labels sort booleans first, then numbers, then strings, then sets, each in its natural
    order (sets by their JSON text)."""
    rank = _TYPE_ORDER[type(value)]
    return (rank, orjson.dumps(value).decode()) if rank == 3 else (rank, value)


def is_rating(values: FloatArray) -> bool:
    """Whether numbers are a rating scale: all integers, spanning at most RATING_MAX_SPAN."""
    return bool(
        values.size
        and (values == np.round(values)).all()
        and values.max() - values.min() <= RATING_MAX_SPAN
    )


def repeats_warning(repeats: int) -> AgreementWarning:
    return AgreementWarning(
        "repeats",
        f"each row ran {repeats} times and each repeat counts as an item: the intervals take "
        "them as independent, so they are too narrow",
    )


def items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def estimate_json(found: Estimate | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "value": found.value,
        "ci95": None if found.ci95 is None else list(found.ci95),
        "reason": found.reason,
    }


def method_text(method: Method | None) -> str | None:
    """How the intervals were computed, in words, for the answer's `ci_method`."""
    if method is None:
        return None
    return (
        f"percentile bootstrap over items, {method.resamples} resamples, seed {method.seed}, "
        f"{method.draws}"
    )
