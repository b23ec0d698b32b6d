"""The results of a comparison's aliases, laid out along its pairs.

One query per side reads the cells' classified values (`value_number`, `value_label`, which
the database computes on write: see models/task_result.py) and statuses, never the values
themselves. Each alias becomes arrays over the pairs, NaN where a side has no usable result, so
everything after this module is array arithmetic.

A pair is a row. When an evaluation ran each row k times (`repeats`), a row's k items land on
the same position: its numbers are averaged, its booleans become the share that were true, its
labels the most common one, and a row whose repeats disagree is marked flaky.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.models import EvaluationItem, TaskResult

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# Statuses whose value is a result: computed by a task, or given with the row.
RESULT_STATUSES = ("completed", "prefilled")
_BOOLEANS = frozenset({"true", "false"})


@dataclass
class SideValues:
    """One alias on one side, position i being pair i. Cells are collected as they are read
    (`add_number`, `add_label`: list appends, the cheapest thing per cell in Python); the arrays
    are computed once from them, vectorised."""

    pairs: int
    errored: int = 0
    _number_at: list[int] = field(default_factory=list)
    _number: list[float] = field(default_factory=list)
    _label_at: list[int] = field(default_factory=list)
    _label: list[str] = field(default_factory=list)

    def add_number(self, index: int, number: float) -> None:
        self._number_at.append(index)
        self._number.append(number)

    def add_label(self, index: int, label: str) -> None:
        self._label_at.append(index)
        self._label.append(label)

    def numbers(self) -> FloatArray:
        """Each row's mean number, NaN where it has none."""
        at = np.asarray(self._number_at, dtype=np.intp)
        sums = np.bincount(at, weights=np.asarray(self._number), minlength=self.pairs)
        counts = np.bincount(at, minlength=self.pairs)
        with np.errstate(invalid="ignore", divide="ignore"):
            means: FloatArray = sums / counts
        return means

    def booleans(self) -> FloatArray | None:
        """Each row's share of true answers (1.0/0.0 with one repeat), NaN where it has none;
        None unless every label is a boolean."""
        if not _BOOLEANS.issuperset(self._label):
            return None
        at = np.asarray(self._label_at, dtype=np.intp)
        trues = np.asarray([label == "true" for label in self._label], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares: FloatArray = np.bincount(at, weights=trues, minlength=self.pairs) / np.bincount(
                at, minlength=self.pairs
            )
        return shares

    def labels(self) -> list[str | None]:
        """Each row's label, the most common of its repeats (the first among equals)."""
        out: list[str | None] = [None] * self.pairs
        votes: dict[int, Counter[str]] = {}
        for index, label in zip(self._label_at, self._label, strict=True):
            if out[index] is None:
                out[index] = label
            else:
                votes.setdefault(index, Counter()).update((label,))
        for index, extra in votes.items():
            first = out[index]
            assert first is not None
            extra[first] += 1
            out[index] = max(extra, key=lambda value: (extra[value], value == first))
        return out

    def flaky(self) -> BoolArray:
        """Rows whose repeats did not all give the same result."""
        flaky = np.zeros(self.pairs, dtype=bool)
        if self._number_at:
            at = np.asarray(self._number_at, dtype=np.intp)
            values = np.asarray(self._number)
            low = np.full(self.pairs, np.inf)
            high = np.full(self.pairs, -np.inf)
            np.minimum.at(low, at, values)
            np.maximum.at(high, at, values)
            flaky |= np.isfinite(low) & (low != high)
        seen: dict[int, str] = {}
        for index, label in zip(self._label_at, self._label, strict=True):
            if seen.setdefault(index, label) != label:
                flaky[index] = True
        return flaky


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
    cells = {alias: AliasCells(SideValues(pairs), SideValues(pairs)) for alias in aliases}
    _fill(session, baseline_id, aliases, baseline_items, {a: c.baseline for a, c in cells.items()})
    _fill(
        session, candidate_id, aliases, candidate_items, {a: c.candidate for a, c in cells.items()}
    )
    return cells


def _positions(session: Session, evaluation_id: str, rows: Sequence[str]) -> dict[str, int]:
    """Item id -> pair position, for every repeat of each paired row."""
    position = {item_id: index for index, item_id in enumerate(rows)}
    repeats = select(EvaluationItem.id, EvaluationItem.row_item_id).where(
        EvaluationItem.evaluation_id == evaluation_id,
        EvaluationItem.repeat > 0,
    )
    for item_id, row_item_id in session.execute(repeats).tuples():
        index = position.get(row_item_id) if row_item_id is not None else None
        if index is not None:
            position[item_id] = index
    return position


def _fill(
    session: Session,
    evaluation_id: str,
    aliases: Sequence[str],
    rows: Sequence[str],
    sides: dict[str, SideValues],
) -> None:
    position = _positions(session, evaluation_id, rows)
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
                side.add_number(index, number)
            elif label is not None:
                side.add_label(index, label)
