"""The SQL of an evaluation summary: short reads of the cells' summary indexes.

Every query reads one alias's range of one narrow index (see models/task_result.py), never the
cells themselves, and returns a row or a few. What costs is the number of index entries read, so
each figure is read where the fewest entries hold it:

- which (alias, status) groups exist: a "loose index scan" of the counts index, one seek per
  group; then one count per group (errored cells grouped by error type);
- per alias, how many latencies, and token and cost sums: one pass over the alias's range of
  the timing index, which holds only cells with a latency, tokens or cost;
- numbers: on PostgreSQL one grouped query (`count`, `avg`, `stddev_samp`, `min`, `max`,
  `percentile_cont`). SQLite has none of the last three: min and max are the ends of the alias's
  range of the sorted numbers index, each percentile reads the one or two values at its rank by
  OFFSET from whichever end is nearer, and mean and variance come from one pass of sums of
  `x - min` (see stats.sample_variance);
- latency percentiles: the same two ways, on the timing index (sorted by latency per alias);
- categories: per alias, its labels with their counts, most frequent first, and how many
  distinct labels and labelled cells there are (window functions over the groups).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, SQLColumnExpression, and_, func, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from yardstick import stats
from yardstick.models import TaskResult
from yardstick.models.task_result import TIMED

T = TaskResult
# Values whose squares pass a double's range (~1.8e308); such aliases are summed scaled down.
SQUARES_OVERFLOW_PAST = 1e150
HUGE_SCALE = 1e300
NUMBER_PERCENTILES = (0.5, 0.9)
LATENCY_PERCENTILES = (0.5, 0.9, 0.99)


@dataclass(frozen=True)
class StatusCount:
    alias: str
    status: str
    error_type: str | None
    cells: int


@dataclass(frozen=True)
class Timing:
    latencies: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


@dataclass(frozen=True)
class NumberStats:
    count: int
    mean: float
    std: float | None  # None for a single value
    min: float
    max: float
    percentiles: dict[float, float]


@dataclass(frozen=True)
class LabelCount:
    label: str  # the value's JSON text
    count: int


@dataclass(frozen=True)
class LabelTally:
    top: list[LabelCount]
    distinct: int
    total: int


def status_counts(session: Session, evaluation_id: str) -> list[StatusCount]:
    """Cells per (alias, status), and per error type for errored ones."""
    out: list[StatusCount] = []
    for alias, status in status_groups(session, evaluation_id):
        where = _in_alias(evaluation_id, alias), T.status == status
        if status == "errored":
            stmt = select(T.error_type, func.count()).where(*where).group_by(T.error_type)
            out.extend(StatusCount(alias, status, kind, n) for kind, n in session.execute(stmt))
        else:
            n = session.scalar(select(func.count()).where(*where)) or 0
            out.append(StatusCount(alias, status, None, n))
    return out


def timing(session: Session, evaluation_id: str, alias: str) -> Timing:
    stmt = select(
        func.count(T.latency_ms),
        func.sum(T.prompt_tokens),
        func.sum(T.completion_tokens),
        func.sum(T.cost_usd),
    ).where(_in_alias(evaluation_id, alias), TIMED)
    latencies, prompt, completion, cost = session.execute(stmt).one()
    return Timing(int(latencies), int(prompt or 0), int(completion or 0), cost)


def number_stats(
    session: Session, evaluation_id: str, aliases: Sequence[str]
) -> dict[str, NumberStats]:
    """Distribution of each alias's numeric values (aliases without any are left out)."""
    if _dialect(session) == "postgresql":
        return _number_stats_pg(session, evaluation_id, aliases)
    found = {}
    for alias in aliases:
        stats_ = _number_stats_sqlite(session, evaluation_id, alias)
        if stats_ is not None:
            found[alias] = stats_
    return found


def latency_percentiles(
    session: Session, evaluation_id: str, sizes: dict[str, int]
) -> dict[str, dict[float, float]]:
    """`sizes` = {alias: number of latencies} (from `timing`), aliases without any left out."""
    if not sizes:
        return {}
    if _dialect(session) == "postgresql":
        return _percentiles_pg(
            session, evaluation_id, list(sizes), T.latency_ms, LATENCY_PERCENTILES
        )
    return {
        alias: {
            p: _percentile_sqlite(session, evaluation_id, alias, T.latency_ms, n, p)
            for p in LATENCY_PERCENTILES
        }
        for alias, n in sizes.items()
    }


def label_tally(session: Session, evaluation_id: str, alias: str, top: int) -> LabelTally | None:
    """The `top` most frequent labels of one alias (ties in label order), or None if it has none."""
    count = func.count()
    label: SQLColumnExpression[Any] = T.value_label
    if _dialect(session) == "postgresql":
        label = label.collate("C")  # byte order, as SQLite's, so ties break the same way
    stmt = (
        select(
            T.value_label,
            count,
            func.count().over().label("distinct_labels"),
            func.sum(count).over().label("tallied"),
        )
        .where(_in_alias(evaluation_id, alias), T.value_label.isnot(None))
        .group_by(T.value_label)
        .order_by(count.desc(), label)
        .limit(top)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return None
    return LabelTally(
        top=[LabelCount(str(row[0]), int(row[1])) for row in rows],
        distinct=int(rows[0][2]),
        total=int(rows[0][3]),
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _in_alias(evaluation_id: str, alias: str) -> ColumnElement[bool]:
    return and_(T.evaluation_id == evaluation_id, T.alias == alias)


def status_groups(session: Session, evaluation_id: str) -> list[tuple[str, str]]:
    """The (alias, status) pairs that have cells, in index order, one seek each: the next pair
    is the next status of this alias, else the first status of the next alias."""
    pair = (
        select(T.alias, T.status)
        .where(T.evaluation_id == evaluation_id)
        .order_by(T.alias, T.status)
    )
    row = session.execute(pair.limit(1)).first()
    out: list[tuple[str, str]] = []
    while row is not None:
        alias, status = row
        out.append((alias, status))
        row = session.execute(pair.where(T.alias == alias, T.status > status).limit(1)).first()
        if row is None:
            row = session.execute(pair.where(T.alias > alias).limit(1)).first()
    return out


def _sorted_values(
    evaluation_id: str, alias: str, column: SQLColumnExpression[Any], *, descending: bool
) -> Select[Any]:
    return (
        select(column)
        .where(_in_alias(evaluation_id, alias), column.isnot(None))
        .order_by(column.desc() if descending else column.asc())
    )


def _values_at(
    session: Session,
    evaluation_id: str,
    alias: str,
    column: SQLColumnExpression[Any],
    n: int,
    rank: int,
    width: int,
) -> list[float]:
    """The sorted values at 0-based ranks `rank .. rank + width - 1`, walking the index from
    whichever end is nearer (an OFFSET costs the entries it skips)."""
    descending = rank + width > n - rank
    offset = n - (rank + width) if descending else rank
    stmt = _sorted_values(evaluation_id, alias, column, descending=descending)
    values = [float(v) for v in session.scalars(stmt.limit(width).offset(offset))]
    return values[::-1] if descending else values


def _percentile_sqlite(
    session: Session,
    evaluation_id: str,
    alias: str,
    column: SQLColumnExpression[Any],
    n: int,
    p: float,
) -> float:
    at = stats.ranks(n, p)
    values = _values_at(session, evaluation_id, alias, column, n, at.lower, at.upper - at.lower + 1)
    return stats.interpolate(at, values[0], values[-1])


def _number_stats_sqlite(session: Session, evaluation_id: str, alias: str) -> NumberStats | None:
    column = T.value_number
    low = session.scalar(_sorted_values(evaluation_id, alias, column, descending=False).limit(1))
    if low is None:
        return None
    high = session.scalar(_sorted_values(evaluation_id, alias, column, descending=True).limit(1))
    assert high is not None
    # Sums of x - min: the shift keeps them from cancelling (min is within sqrt(n) standard
    # deviations of the mean, so the variance keeps all but about log10(n) of its digits).
    # Values past ~1e154 square past a double's range (SQLite's sums then give inf, and
    # inf - inf a NaN): those are summed divided by HUGE_SCALE, and the results scaled back.
    scale = HUGE_SCALE if max(abs(low), abs(high)) > SQUARES_OVERFLOW_PAST else 1.0
    centered = column / scale - low / scale
    n, shifted_sum, shifted_squares = session.execute(
        select(func.count(), func.sum(centered), func.sum(centered * centered)).where(
            _in_alias(evaluation_id, alias), column.isnot(None)
        )
    ).one()
    percentiles = {
        p: _percentile_sqlite(session, evaluation_id, alias, column, n, p)
        for p in NUMBER_PERCENTILES
    }
    mean = low + scale * (shifted_sum / n)
    std = scale * stats.sample_variance(n, shifted_sum, shifted_squares) ** 0.5 if n > 1 else None
    return NumberStats(n, mean, _finite(std), low, high, percentiles)


def _number_stats_pg(
    session: Session, evaluation_id: str, aliases: Sequence[str]
) -> dict[str, NumberStats]:
    scale = 1.0
    try:
        # A savepoint: PostgreSQL refuses a sum past a double's range, and that error would
        # otherwise end the whole transaction.
        with session.begin_nested():
            rows = session.execute(_number_stats_stmt(evaluation_id, aliases, scale)).all()
    except DataError:
        scale = HUGE_SCALE
        rows = session.execute(_number_stats_stmt(evaluation_id, aliases, scale)).all()
    out: dict[str, NumberStats] = {}
    for alias, n, mean, std, low, high, *cuts in rows:
        out[alias] = NumberStats(
            int(n),
            float(mean) * scale,
            None if std is None else _finite(float(std) * scale),
            float(low),
            float(high),
            {p: float(cut) for p, cut in zip(NUMBER_PERCENTILES, cuts, strict=True)},
        )
    return out


def _number_stats_stmt(evaluation_id: str, aliases: Sequence[str], scale: float) -> Select[Any]:
    """The stats of PostgreSQL, each alias's values divided by `scale` for the mean and
    the deviation (whose sums overflow past ~1e154): the caller scales those two back, in
    Python, where a deviation past a double's range is inf rather than an error."""
    v = T.value_number
    scaled = v if scale == 1.0 else v / scale
    return (
        select(
            T.alias,
            func.count(v),
            func.avg(scaled),
            func.stddev_samp(scaled),
            func.min(v),
            func.max(v),
            *(func.percentile_cont(p).within_group(v) for p in NUMBER_PERCENTILES),
        )
        .where(T.evaluation_id == evaluation_id, T.alias.in_(aliases), v.isnot(None))
        .group_by(T.alias)
    )


def _finite(value: float | None) -> float | None:
    """None for a deviation past a double's range (values of both signs near its ends)."""
    return value if value is None or math.isfinite(value) else None


def _percentiles_pg(
    session: Session,
    evaluation_id: str,
    aliases: Sequence[str],
    column: SQLColumnExpression[Any],
    percentiles: Sequence[float],
) -> dict[str, dict[float, float]]:
    stmt = (
        select(
            T.alias,
            *(func.percentile_cont(p).within_group(column).cast(Float) for p in percentiles),
        )
        .where(T.evaluation_id == evaluation_id, T.alias.in_(aliases), column.isnot(None))
        .group_by(T.alias)
    )
    return {
        alias: {p: float(cut) for p, cut in zip(percentiles, cuts, strict=True)}
        for alias, *cuts in session.execute(stmt)
    }
