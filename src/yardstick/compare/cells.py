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
from sqlalchemy import Connection, and_, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from yardstick.compare.json_columns import json_columns
from yardstick.compare.statistics import exponent_shift
from yardstick.evaluation.summary_queries import status_groups
from yardstick.models import Evaluation, EvaluationItem, TaskResult

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]
# Statuses whose value is a result: computed by a task, or given with the row.
RESULT_STATUSES = ("completed", "prefilled")
_BOOLEANS = frozenset({"true", "false"})
_OTHER, _RESULT, _ERRORED = 0, 1, 2


class Labels:
    """The distinct labels of one alias, both sides sharing the codes: code i is `names[i]`."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}

    def encode(self, labels: Sequence[str]) -> IntArray:
        codes = self._codes
        for label in dict.fromkeys(labels):  # the distinct ones, in order of first appearance
            codes.setdefault(label, len(codes))
        return np.fromiter(map(codes.__getitem__, labels), dtype=np.intp, count=len(labels))

    @property
    def names(self) -> list[str]:
        return list(self._codes)


@dataclass
class SideValues:
    """One alias on one side, position i being pair i. Cells arrive in chunks of arrays, numbers
    (`add_numbers`) or label codes (`add_labels`); the per-row arrays are computed from them."""

    pairs: int
    labels: Labels
    errored: int = 0  # errored cells (repeats count each)
    _errored_at: list[IntArray] = field(default_factory=list)
    _number_at: list[IntArray] = field(default_factory=list)
    _number: list[FloatArray] = field(default_factory=list)
    _label_at: list[IntArray] = field(default_factory=list)
    _label: list[IntArray] = field(default_factory=list)

    def add_errored(self, at: IntArray) -> None:
        self.errored += at.size
        self._errored_at.append(at)

    def add_numbers(self, at: IntArray, numbers: FloatArray) -> None:
        self._number_at.append(at)
        self._number.append(numbers)

    def add_labels(self, at: IntArray, codes: IntArray) -> None:
        self._label_at.append(at)
        self._label.append(codes)

    def _numbers(self) -> tuple[IntArray, FloatArray]:
        return _joined(self._number_at), np.concatenate([np.zeros(0), *self._number])

    def _codes(self) -> tuple[IntArray, IntArray]:
        return _joined(self._label_at), _joined(self._label)

    def numbers(self, *, with_booleans: bool = False) -> FloatArray:
        """Each row's mean number, NaN where it has none; `with_booleans`, its boolean cells
        count as the numbers 1 and 0."""
        at, values = self._numbers()
        if with_booleans:
            boolean_at, booleans = self._booleans()
            at, values = np.concatenate([at, boolean_at]), np.concatenate([values, booleans])
        # Summed scaled down when huge, so that repeats near a double's maximum do not sum past it.
        shift = exponent_shift(values)
        sums = np.bincount(at, weights=np.ldexp(values, -shift), minlength=self.pairs)
        counts = np.bincount(at, minlength=self.pairs)
        with np.errstate(invalid="ignore", divide="ignore"):
            means: FloatArray = np.ldexp(sums / counts, shift)
        return means

    def binary_numbers(self) -> bool:
        """Whether every number cell is 0 or 1 (true without any)."""
        return bool(np.isin(self._numbers()[1], (0.0, 1.0)).all())

    def has_result(self) -> BoolArray:
        """The rows with a result cell of any type."""
        found = np.zeros(self.pairs, dtype=bool)
        found[self._numbers()[0]] = True
        found[self._codes()[0]] = True
        return found

    def unscored(self) -> int:
        """Rows with neither a result nor an errored cell: pending, skipped or cancelled cells,
        or none at all."""
        found = self.has_result()
        found[_joined(self._errored_at)] = True
        return int((~found).sum())

    def _booleans(self) -> tuple[IntArray, FloatArray]:
        """The label cells that are booleans, as 1.0 and 0.0."""
        at, codes = self._codes()
        names = self.labels.names
        true, false = (names.index(b) if b in names else -1 for b in ("true", "false"))
        boolean = (codes == true) | (codes == false)
        return at[boolean], (codes[boolean] == true).astype(np.float64)

    def booleans(self) -> FloatArray | None:
        """Each row's share of true answers (1.0/0.0 with one repeat), NaN where it has none;
        None unless every label is a boolean."""
        at, codes = self._codes()
        names = self.labels.names
        if not _BOOLEANS.issuperset(names[code] for code in np.unique(codes).tolist()):
            return None
        trues = codes == names.index("true") if "true" in names else np.zeros(codes.size, bool)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares: FloatArray = np.bincount(
                at, weights=trues.astype(np.float64), minlength=self.pairs
            ) / np.bincount(at, minlength=self.pairs)
        return shares

    def label_codes(self) -> IntArray:
        """Each row's label code, -1 where it has none; with repeats, the most common label of
        the row (the first one among equals)."""
        at, codes = self._codes()
        out = np.full(self.pairs, -1, dtype=np.intp)
        if np.unique(at).size == at.size:  # one label per row: no vote to hold
            out[at] = codes
            return out
        votes: dict[int, Counter[int]] = {}
        for index, code in zip(at.tolist(), codes.tolist(), strict=True):
            if out[index] < 0:
                out[index] = code
            votes.setdefault(index, Counter()).update((code,))
        for index, counted in votes.items():
            first = int(out[index])
            out[index] = max(counted, key=lambda value: (counted[value], value == first))
        return out

    def flaky(self) -> BoolArray:
        """Rows whose repeats did not all give the same result."""
        flaky = np.zeros(self.pairs, dtype=bool)
        for at, values in (self._numbers(), self._codes()):
            if at.size:
                low = np.full(self.pairs, np.inf)
                high = np.full(self.pairs, -np.inf)
                np.minimum.at(low, at, values)
                np.maximum.at(high, at, values)
                flaky |= np.isfinite(low) & (low != high)
        return flaky


def _joined(chunks: list[IntArray]) -> IntArray:
    return np.concatenate([np.zeros(0, dtype=np.intp), *chunks])


@dataclass
class AliasCells:
    baseline: SideValues
    candidate: SideValues


def result_aliases(session: Session, evaluation_id: str) -> set[str]:
    """The aliases with at least one result."""
    statuses = alias_statuses(session, evaluation_id)
    return {alias for alias, found in statuses.items() if not found.isdisjoint(RESULT_STATUSES)}


def alias_statuses(session: Session, evaluation_id: str) -> dict[str, set[str]]:
    """The statuses each alias's cells have: one index seek per (alias, status) group."""
    statuses: dict[str, set[str]] = {}
    for alias, status in status_groups(session, evaluation_id):
        statuses.setdefault(alias, set()).add(status)
    return statuses


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
    cells = {}
    for alias in aliases:
        labels = Labels()
        cells[alias] = AliasCells(SideValues(pairs, labels), SideValues(pairs, labels))
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
    the driver and SQLAlchemy; this way the Python work per cell is a dictionary lookup.

    Building and parsing the JSON is most of the cost, so a column is read only when it can
    hold something (statuses when the alias has cells that are not results, numbers and labels
    when it has any), and the positions of an alias whose cells come in the same order as the
    previous alias's are reused."""
    connection = session.connection()
    position = _positions(connection, evaluation, rows)
    statuses = alias_statuses(session, evaluation.id)
    last_ids: list[str] = []
    last_at = np.zeros(0, dtype=np.intp)
    for alias in aliases:
        side = sides[alias]
        read = _Read(
            statuses=not statuses.get(alias, set()).issubset(RESULT_STATUSES),
            numbers=_any(connection, evaluation.id, alias, TaskResult.value_number),
            labels=_any(connection, evaluation.id, alias, TaskResult.value_label),
        )
        ids, status, values, labels = _columns(connection, evaluation.id, alias, read)
        if ids == last_ids:
            at = last_at
        else:
            at = np.fromiter(map(position.get, ids, repeat(-1)), dtype=np.intp, count=len(ids))
            last_ids, last_at = ids, at
        paired = at >= 0
        side.add_errored(at[paired & (status == _ERRORED)])
        usable = paired & (status == _RESULT)
        has_number = usable & ~np.isnan(values)
        side.add_numbers(at[has_number], values[has_number])
        if labels is not None:
            has_label = np.fromiter((label is not None for label in labels), bool, len(labels))
            where = np.flatnonzero(usable & ~has_number & has_label).tolist()
            side.add_labels(
                at[where],
                side.labels.encode([label for row in where if (label := labels[row]) is not None]),
            )


@dataclass(frozen=True)
class _Read:
    """Which of an alias's columns to read beyond the item ids."""

    statuses: bool
    numbers: bool
    labels: bool


def _any(
    connection: Connection, evaluation_id: str, alias: str, column: InstrumentedAttribute[Any]
) -> bool:
    """Whether any cell of the alias has a value in `column`: one seek in its partial summary
    index (value_number or value_label IS NOT NULL)."""
    t = TaskResult
    stmt = (
        select(literal(1))
        .where(t.evaluation_id == evaluation_id, t.alias == alias, column.isnot(None))
        .limit(1)
    )
    return connection.execute(stmt).first() is not None


def _columns(
    connection: Connection, evaluation_id: str, alias: str, read: _Read
) -> tuple[list[str], Int8Array, FloatArray, list[str | None] | None]:
    """The alias's cells, column by column: item ids, status codes (`_RESULT`, `_ERRORED` or
    `_OTHER`: small ints cost no memory per cell, unlike a million status strings), numbers
    (NaN where none) and labels (None when `read` skips them). A column `read` skips is filled
    in: every status a result, every number NaN."""
    t = TaskResult
    columns: list[Any] = [t.item_id]
    if read.statuses:
        columns.append(
            case(
                (t.status.in_(RESULT_STATUSES), _RESULT),
                (t.status == "errored", _ERRORED),
                else_=_OTHER,
            )
        )
    if read.numbers:
        number: Any = t.value_number  # PostgreSQL: float8's text is exact (shortest round-trip)
        if connection.dialect.name == "sqlite":
            # The stored JSON text of the number, not the REAL column, which SQLite's JSON
            # functions round to 15 digits.
            number = case((t.value_number.isnot(None), func.json(t.value)))
        columns.append(number)
    if read.labels:
        columns.append(t.value_label)
    arrays = iter(
        json_columns(connection, columns, and_(t.evaluation_id == evaluation_id, t.alias == alias))
    )
    ids: list[str] = next(arrays)
    size = len(ids)
    status = (
        np.array(next(arrays), dtype=np.int8) if read.statuses else np.full(size, _RESULT, np.int8)
    )
    # null (no number) becomes NaN
    numbers = np.array(next(arrays), dtype=np.float64) if read.numbers else np.full(size, np.nan)
    labels: list[str | None] | None = next(arrays) if read.labels else None
    return ids, status, numbers, labels
