"""The SQL of the evaluation pages that no API service already runs.

Every read is a range of an index the API's lists and summaries use already, so a page costs
the same at 1,000,000 items as at 100:

- the results table in row order: the (evaluation_id, id) index of items, after the cursor's
  id, with each filter a correlated EXISTS on the cells' primary key (item_id, alias), as the
  item list API filters;
- sorted by an alias: that alias's range of the summary index of numbers (or labels), which
  ends with the item id, from the cursor's (value, item id) on (a row-value comparison, which
  both databases seek to), so a page costs the same at any depth, in a long run of equal values
  too. Then the items without a value, in row order;
- histogram bins: one grouped pass over the alias's numbers index; the numbers' ends: one seek
  each;
- totals (cells by status, tokens, cost) of a page of evaluations: the (evaluation_id, status)
  index and the summary timing index, grouped by evaluation; kept in the database until the
  evaluation's cells change (evaluation/kept.py), so a list of finished runs costs one read.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, case, cast, exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from yardstick.evaluation.kept import kept_many
from yardstick.models import Evaluation, EvaluationItem, TaskResult
from yardstick.models.task_result import TIMED

I = EvaluationItem
T = TaskResult
Column = Literal["number", "label"]


def _value_column(table: Any, column: Column) -> Any:
    return table.value_number if column == "number" else table.value_label


def score_condition(alias: str, low: float | None, high: float | None) -> ColumnElement[bool]:
    """The item's cell for `alias` holds a number within [low, high] (either end optional)."""
    where = [T.item_id == I.id, T.alias == alias, T.value_number.isnot(None)]
    if low is not None:
        where.append(T.value_number >= low)
    if high is not None:
        where.append(T.value_number <= high)
    return exists().where(*where)


def range_scale(low: float, high: float) -> float:
    """1, or 1/2 when `high - low` passes a double's range (numbers of both signs near its
    ends): offsets and widths within [low, high] are then taken of halves, which fit. Only
    then: halving a subnormal number loses its last bit."""
    return 0.5 if math.isinf(high - low) else 1.0


@dataclass
class Totals:
    """An evaluation's cells by status, and its usage."""

    cells: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None

    @property
    def errored(self) -> int:
        return self.cells.get("errored", 0)

    @property
    def finished(self) -> int:
        return sum(n for status, n in self.cells.items() if status != "pending")


class EvaluationPageRepository:
    # The results table ---------------------------------------------------------------------

    def page_in_row_order(
        self,
        session: Session,
        *,
        evaluation_id: str,
        where: Sequence[ColumnElement[bool]],
        after_id: str | None,
        limit: int,
    ) -> list[str]:
        stmt = select(I.id).where(I.evaluation_id == evaluation_id, *where)
        if after_id is not None:
            stmt = stmt.where(I.id > after_id)
        return list(session.scalars(stmt.order_by(I.id).limit(limit)))

    def page_by_value(
        self,
        session: Session,
        *,
        evaluation_id: str,
        alias: str,
        column: Column,
        descending: bool,
        where: Sequence[ColumnElement[bool]],
        after: tuple[Any, str] | None,
        limit: int,
    ) -> list[tuple[str, Any]]:
        """(item id, value) of the items whose `alias` cell has a value, in value order."""
        # Aliased: the filters' EXISTS name `task_results` itself and must not correlate to it.
        S = aliased(T, name="sorted_cell")
        value = _value_column(S, column)
        stmt = select(S.item_id, value).where(
            S.evaluation_id == evaluation_id, S.alias == alias, value.isnot(None)
        )
        if where:
            stmt = stmt.join(I, I.id == S.item_id).where(*where)
        if after is not None:
            # A row-value comparison: both databases seek the (value, item id) index straight
            # to the cursor. (value > v OR value = v AND id > i) read the alias's range from its
            # start; with a bound on the value alone, from the start of the cursor's run of
            # equal values: 220 ms deep in a judge's label held by 333,000 cells, 0.2 ms so.
            last_value, last_id = after
            cursor = tuple_(last_value, last_id)
            key = tuple_(value, S.item_id)
            beyond = key < cursor if descending else key > cursor
            stmt = stmt.where(beyond)
        order = (value.desc(), S.item_id.desc()) if descending else (value.asc(), S.item_id.asc())
        rows = session.execute(stmt.order_by(*order).limit(limit))
        return [(item_id, found) for item_id, found in rows]

    def page_without_value(
        self,
        session: Session,
        *,
        evaluation_id: str,
        alias: str,
        column: Column,
        where: Sequence[ColumnElement[bool]],
        after_id: str | None,
        limit: int,
    ) -> list[str]:
        """The items whose `alias` cell has no value (pending, errored, long text), row order."""
        has_value = exists().where(
            T.item_id == I.id, T.alias == alias, _value_column(T, column).isnot(None)
        )
        return self.page_in_row_order(
            session,
            evaluation_id=evaluation_id,
            where=[*where, ~has_value],
            after_id=after_id,
            limit=limit,
        )

    def items(self, session: Session, item_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """(data text, repeat) of each item."""
        if not item_ids:
            return {}
        stmt = select(I.id, I.data, I.repeat).where(I.id.in_(item_ids))
        return {item_id: (data, repeat) for item_id, data, repeat in session.execute(stmt)}

    def has_values(self, session: Session, evaluation_id: str, alias: str, column: Column) -> bool:
        value = _value_column(T, column)
        stmt = select(
            exists().where(T.evaluation_id == evaluation_id, T.alias == alias, value.isnot(None))
        )
        return bool(session.scalar(stmt))

    def number_range(
        self, session: Session, evaluation_id: str, alias: str
    ) -> tuple[float, float] | None:
        """The alias's smallest and largest number: the two ends of its index range."""
        where = (T.evaluation_id == evaluation_id, T.alias == alias, T.value_number.isnot(None))
        base = select(T.value_number).where(*where).limit(1)
        low = session.scalar(base.order_by(T.value_number.asc()))
        if low is None:
            return None
        high = session.scalar(base.order_by(T.value_number.desc()))
        return float(low), float(high if high is not None else low)

    def error_types(
        self, session: Session, evaluation_id: str, aliases: Sequence[str]
    ) -> list[tuple[str, str]]:
        """(alias, error type) of the evaluation's errored cells, each once.

        Per alias: each is then a range of the summary counts index (evaluation_id, alias,
        status, error_type), read in order, covering only the errored cells; grouped over all
        aliases at once, SQLite scans the whole index instead (a second at 3,000,000 cells)."""
        out: list[tuple[str, str]] = []
        for alias in aliases:
            stmt = (
                select(T.error_type)
                .where(T.evaluation_id == evaluation_id, T.alias == alias, T.status == "errored")
                .group_by(T.error_type)
                .order_by(T.error_type)
            )
            out.extend((alias, kind or "Error") for kind in session.scalars(stmt))
        return out

    # Charts -------------------------------------------------------------------------------

    def histogram(
        self, session: Session, evaluation_id: str, alias: str, low: float, high: float, bins: int
    ) -> list[int]:
        """Counts of the alias's numbers in `bins` equal bins over [low, high]."""
        counts = [0] * bins
        if high <= low:
            counts[0] = (
                session.scalar(
                    select(func.count()).where(
                        T.evaluation_id == evaluation_id,
                        T.alias == alias,
                        T.value_number.isnot(None),
                    )
                )
                or 0
            )
            return counts
        half = range_scale(low, high)
        position = (T.value_number * half - low * half) * (bins / (high * half - low * half))
        # Values within 2^-60 of the width above `low` are in the first bin: their position's
        # product would underflow to 0, which PostgreSQL refuses.
        near_low = low * (1 - 2.0**-60) + high * 2.0**-60
        position = case((T.value_number <= near_low, 0.0), else_=position)
        # A bin's index, rounded down: PostgreSQL's CAST rounds to nearest, SQLite's truncates
        # (the same for the non-negative positions here), and SQLite may lack floor().
        dialect = session.get_bind().dialect.name
        index = func.floor(position) if dialect == "postgresql" else cast(position, Integer)
        stmt = (
            select(index, func.count())
            .where(T.evaluation_id == evaluation_id, T.alias == alias, T.value_number.isnot(None))
            .group_by(index)
        )
        for found, count in session.execute(stmt):
            counts[min(bins - 1, max(0, int(found)))] += count  # the top value ends the last bin
        return counts

    # Totals -------------------------------------------------------------------------------

    def totals(
        self, session: Session, evaluations: Sequence[Evaluation]
    ) -> tuple[dict[str, Totals], datetime | None]:
        """Each evaluation's totals, kept until its cells change (evaluation/kept.py; a running
        evaluation's may be a few seconds old), and the oldest stale one's time, if any."""
        found = kept_many(
            session,
            evaluations,
            "totals",
            lambda missing: {
                evaluation_id: asdict(totals)
                for evaluation_id, totals in self._count(session, [e.id for e in missing]).items()
            },
            stale_ok=True,
        )
        stale = [k.computed_at for k in found.values() if not k.current]
        totals = {evaluation_id: Totals(**k.value) for evaluation_id, k in found.items()}
        return totals, min(stale) if stale else None

    @staticmethod
    def _count(session: Session, ids: list[str]) -> dict[str, Totals]:
        out = {evaluation_id: Totals() for evaluation_id in ids}
        if not ids:
            return out
        by_status = (
            select(T.evaluation_id, T.status, func.count())
            .where(T.evaluation_id.in_(ids))
            .group_by(T.evaluation_id, T.status)
        )
        for evaluation_id, status, count in session.execute(by_status):
            out[evaluation_id].cells[status] = count
        usage = (
            select(
                T.evaluation_id,
                func.sum(T.prompt_tokens),
                func.sum(T.completion_tokens),
                func.sum(T.cost_usd),
            )
            .where(T.evaluation_id.in_(ids), TIMED)  # TIMED: the timing index's condition
            .group_by(T.evaluation_id)
        )
        for evaluation_id, prompt, completion, cost in session.execute(usage):
            totals = out[evaluation_id]
            totals.prompt_tokens, totals.completion_tokens = int(prompt or 0), int(completion or 0)
            totals.cost_usd = None if cost is None else float(cost)
        return out

    # One item -----------------------------------------------------------------------------

    def cell_usage(
        self, session: Session, item_id: str
    ) -> dict[str, tuple[int | None, int | None, float | None, datetime | None, datetime | None]]:
        """Per alias of the item: prompt and completion tokens, cost, start and finish."""
        stmt = select(
            T.alias, T.prompt_tokens, T.completion_tokens, T.cost_usd, T.started_at, T.finished_at
        ).where(T.item_id == item_id)
        return {alias: tuple(rest) for alias, *rest in session.execute(stmt)}  # type: ignore[misc]


evaluation_page_repository = EvaluationPageRepository()
