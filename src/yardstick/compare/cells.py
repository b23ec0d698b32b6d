"""The results of a comparison's aliases, laid out along its pairs.

One query per alias and side reads the cells' classified values (`value_number`,
`value_label`, which the database computes on write: see models/task_result.py) and statuses,
never free-text values. Each alias becomes arrays over the pairs, NaN where a side has no
usable result, so everything after this module is array arithmetic.

A pair is a row. When an evaluation ran each row k times (`repeats`), a row's k items land on
the same position: its numbers are averaged, its booleans become the share that were true, its
labels the most common one, and a row whose repeats disagree is marked flaky.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.orm import Session

from yardstick.compare.json_columns import json_columns
from yardstick.evaluation.summary_queries import status_groups
from yardstick.models import Evaluation, EvaluationItem, TaskResult

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
# Statuses whose value is a result: computed by a task, or given with the row.
RESULT_STATUSES = ("completed", "prefilled")
_BOOLEANS = frozenset({"true", "false"})


@dataclass
class SideValues:
    """One alias on one side, position i being pair i. Cells arrive in chunks of arrays
    (`add_numbers`) or as labels; the per-row arrays are computed once from them."""

    pairs: int
    errored: int = 0
    _number_at: list[IntArray] = field(default_factory=list)
    _number: list[FloatArray] = field(default_factory=list)
    _label_at: list[int] = field(default_factory=list)
    _label: list[str] = field(default_factory=list)

    def add_numbers(self, at: IntArray, numbers: FloatArray) -> None:
        self._number_at.append(at)
        self._number.append(numbers)

    def add_label(self, index: int, label: str) -> None:
        self._label_at.append(index)
        self._label.append(label)

    def _numbers(self) -> tuple[IntArray, FloatArray]:
        if not self._number_at:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        return np.concatenate(self._number_at), np.concatenate(self._number)

    def numbers(self) -> FloatArray:
        """Each row's mean number, NaN where it has none."""
        at, values = self._numbers()
        sums = np.bincount(at, weights=values, minlength=self.pairs)
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
        at, values = self._numbers()
        if at.size:
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
    """The aliases with at least one result: one index seek per (alias, status) group."""
    groups = status_groups(session, evaluation_id)
    return {alias for alias, status in groups if status in RESULT_STATUSES}


def load(
    session: Session,
    aliases: Sequence[str],
    *,
    baseline: Evaluation,
    candidate: Evaluation,
    baseline_items: Sequence[str],
    candidate_items: Sequence[str],
) -> dict[str, AliasCells]:
    pairs = len(baseline_items)
    cells = {alias: AliasCells(SideValues(pairs), SideValues(pairs)) for alias in aliases}
    _fill(session, baseline, aliases, baseline_items, {a: c.baseline for a, c in cells.items()})
    _fill(session, candidate, aliases, candidate_items, {a: c.candidate for a, c in cells.items()})
    return cells


def _positions(
    connection: Connection, evaluation: Evaluation, rows: Sequence[str]
) -> dict[str, int]:
    """Item id -> pair position, for every repeat of each paired row."""
    position = {item_id: index for index, item_id in enumerate(rows)}
    if evaluation.repeats == 1:
        return position
    repeats = select(EvaluationItem.id, EvaluationItem.row_item_id).where(
        EvaluationItem.evaluation_id == evaluation.id,
        EvaluationItem.repeat > 0,
    )
    for item_id, row_item_id in connection.execute(repeats).tuples():
        index = position.get(row_item_id) if row_item_id is not None else None
        if index is not None:
            position[item_id] = index
    return position


def _fill(
    session: Session,
    evaluation: Evaluation,
    aliases: Sequence[str],
    rows: Sequence[str],
    sides: dict[str, SideValues],
) -> None:
    """Each alias's cells as a few arrays: the database aggregates its columns into JSON arrays
    (one row per alias), which orjson parses in C. Row by row, a million cells cost seconds in
    the driver and SQLAlchemy; this way the Python work per cell is a dictionary lookup."""
    connection = session.connection()
    position = _positions(connection, evaluation, rows)
    for alias in aliases:
        side = sides[alias]
        ids, statuses, numbers, labels = _columns(connection, evaluation.id, alias)
        at = np.fromiter(map(position.get, ids, repeat(-1)), dtype=np.intp, count=len(ids))
        status = np.asarray(statuses, dtype=object)
        paired = at >= 0
        side.errored += int((paired & (status == "errored")).sum())
        usable = paired & ((status == "completed") | (status == "prefilled"))
        values = np.array(numbers, dtype=np.float64)  # null (no number) becomes NaN
        has_number = usable & ~np.isnan(values)
        side.add_numbers(at[has_number], values[has_number])
        for row in np.flatnonzero(usable & ~has_number).tolist():
            label = labels[row]
            if label is not None:
                side.add_label(int(at[row]), label)


def _columns(
    connection: Connection, evaluation_id: str, alias: str
) -> tuple[list[str], list[str], list[float | None], list[str | None]]:
    """The alias's cells, column by column: item ids, statuses, numbers, labels."""
    t = TaskResult
    number: Any = t.value_number  # PostgreSQL: float8's text is exact (shortest round-trip)
    if connection.dialect.name == "sqlite":
        # The stored JSON text of the number, not the REAL column, which SQLite's JSON functions
        # round to 15 digits.
        number = case((t.value_number.isnot(None), func.json(t.value)))
    ids, statuses, numbers, labels = json_columns(
        connection,
        [t.item_id, t.status, number, t.value_label],
        and_(t.evaluation_id == evaluation_id, t.alias == alias),
    )
    return ids, statuses, numbers, labels
