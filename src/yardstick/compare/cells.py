"""The results of a comparison's aliases, laid out along its pairs.

One query per side reads the cells' classified values (`value_number`, `value_label`, which
the database computes on write: see models/task_result.py) and statuses, never the values
themselves. Each alias becomes two aligned arrays over the pairs, NaN where a side has no usable
result, so everything after this module is array arithmetic.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.models import TaskResult

FloatArray = npt.NDArray[np.float64]
# Statuses whose value is a result: computed by a task, or given with the row.
RESULT_STATUSES = ("completed", "prefilled")
_BOOLEANS = {"true": 1.0, "false": 0.0}


@dataclass
class SideValues:
    """One alias on one side, position i being pair i."""

    numbers: FloatArray
    labels: list[str | None]
    errored: int = 0


@dataclass
class AliasCells:
    baseline: SideValues
    candidate: SideValues


def result_aliases(session: Session, evaluation_id: str) -> set[str]:
    """The aliases with at least one result (read from the summary counts index)."""
    stmt = (
        select(TaskResult.alias)
        .where(TaskResult.evaluation_id == evaluation_id, TaskResult.status.in_(RESULT_STATUSES))
        .distinct()
    )
    return set(session.scalars(stmt))


def load(
    session: Session,
    aliases: Sequence[str],
    *,
    baseline_id: str,
    candidate_id: str,
    baseline_items: Sequence[str],
    candidate_items: Sequence[str],
) -> dict[str, AliasCells]:
    pairs = len(baseline_items)
    cells = {alias: AliasCells(_empty(pairs), _empty(pairs)) for alias in aliases}
    _fill(session, baseline_id, aliases, baseline_items, {a: c.baseline for a, c in cells.items()})
    _fill(
        session, candidate_id, aliases, candidate_items, {a: c.candidate for a, c in cells.items()}
    )
    return cells


def _empty(pairs: int) -> SideValues:
    return SideValues(np.full(pairs, np.nan), [None] * pairs)


def _fill(
    session: Session,
    evaluation_id: str,
    aliases: Sequence[str],
    items: Sequence[str],
    sides: dict[str, SideValues],
) -> None:
    position = {item_id: index for index, item_id in enumerate(items)}
    stmt = select(
        TaskResult.item_id,
        TaskResult.alias,
        TaskResult.status,
        TaskResult.value_number,
        TaskResult.value_label,
    ).where(TaskResult.evaluation_id == evaluation_id, TaskResult.alias.in_(aliases))
    for item_id, alias, status, number, label in session.execute(stmt).tuples():
        index = position.get(item_id)
        if index is None:  # an unpaired item
            continue
        side = sides[alias]
        if status == "errored":
            side.errored += 1
        elif status in RESULT_STATUSES:
            if number is not None:
                side.numbers[index] = number
            elif label is not None:
                side.labels[index] = label


def booleans(labels: list[str | None]) -> FloatArray | None:
    """Labels that are all JSON booleans (or missing) as 1.0/0.0/NaN; None if any is not."""
    out = np.full(len(labels), np.nan)
    for index, label in enumerate(labels):
        if label is None:
            continue
        value = _BOOLEANS.get(label)
        if value is None:
            return None
        out[index] = value
    return out
