"""The SQL of an evaluation summary: short reads of the cells' summary indexes.

Every query reads one alias's range of one narrow index (see models/task_result.py), never the
cells themselves, and returns a row or a few. What costs is the number of index entries read, so
each figure is read where the fewest entries hold it:

- which (alias, status) groups exist: a "loose index scan" of the counts index, one seek per
  group; then one count per group (errored cells grouped by error type);
- per alias, how many latencies, and token and cost sums: one pass over the alias's range of
  the timing index, which holds only cells with a latency, tokens or cost;
- numbers, the same reads on both databases (so both give the same figures; PostgreSQL's
  `avg`, `stddev_samp` and `percentile_cont` round, and overflow, their own way): min and max
  are the ends of the alias's range of the sorted numbers index; each percentile reads the one
  or two values at its rank by OFFSET from whichever end is nearer (stats.interpolate); mean and
  variance come from one pass of sums (see `_sums`);
- latency percentiles: by OFFSET too, on the timing index (sorted by latency per alias);
- categories: per alias, its labels with their counts, most frequent first, and how many
  distinct labels and labelled cells there are (window functions over the groups).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, func, select
from sqlalchemy.orm import Session

from yardstick import stats
from yardstick.models import TaskResult
from yardstick.models.task_result import TIMED

T = TaskResult
# Added to a value in (-1, 1) and taken away again, leaves its multiple of 2^-21 nearest: at
# most 2^21 such units each, so up to 2^32 of them sum to at most 2^53 units, exactly.
SPLIT = 2.0**32
# The least exponent `_exponent` gives: 2^-exponent must be a double, which 2^1073 (for the
# least subnormal) is not.
LEAST_EXPONENT = -1021
# Scaled terms under 2^-this are taken as 0 before a product (see `_sums`).
NEGLIGIBLE_EXPONENT = 1000
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
    found = {}
    for alias in aliases:
        stats_ = _number_stats(session, evaluation_id, alias)
        if stats_ is not None:
            found[alias] = stats_
    return found


def latency_percentiles(
    session: Session, evaluation_id: str, sizes: dict[str, int]
) -> dict[str, dict[float, float]]:
    """`sizes` = {alias: number of latencies} (from `timing`), aliases without any left out."""
    return {
        alias: {
            p: _percentile(session, evaluation_id, alias, T.latency_ms, n, p)
            for p in LATENCY_PERCENTILES
        }
        for alias, n in sizes.items()
    }


def label_tally(session: Session, evaluation_id: str, alias: str, top: int) -> LabelTally | None:
    """The `top` most frequent labels of one alias (ties in label order), or None if it has none."""
    count = func.count()
    stmt = (
        select(
            T.value_label,
            count,
            func.count().over().label("distinct_labels"),
            func.sum(count).over().label("tallied"),
        )
        .where(_in_alias(evaluation_id, alias), T.value_label.isnot(None))
        .group_by(T.value_label)
        .order_by(count.desc(), T.value_label)  # code point order on both: ties alike
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
    """The column's values in order, each with its item (the numbers index holds it too)."""
    return (
        select(column, T.item_id)
        .where(_in_alias(evaluation_id, alias), column.isnot(None))
        .order_by(column.desc() if descending else column.asc())
    )


def _as_stored(
    session: Session, alias: str, column: SQLColumnExpression[Any], rows: Sequence[Any]
) -> list[float]:
    """The values of `_sorted_values` rows. A cell's number on SQLite is read back from its
    JSON: SQLite 3.40 turns text into a double not always correctly rounded (about 1 number in
    100,000, more among tiny ones, lands a unit in the last place off in `value_number`), and a
    summary's min of one cell read 3.5532889061771574e-296 for a stored 3.553288906177157e-296.
    The index still gives the order: values that close sort alike."""
    if column is not T.value_number or session.get_bind().dialect.name != "sqlite":
        return [float(row[0]) for row in rows]
    items = [row[1] for row in rows]
    found = session.execute(
        select(T.item_id, T.value).where(T.alias == alias, T.item_id.in_(items))
    )
    stored: dict[str, Any] = {item_id: value for item_id, value in found}
    return [float(stored[row[1]]) for row in rows]


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
    values = _as_stored(
        session, alias, column, session.execute(stmt.limit(width).offset(offset)).all()
    )
    return values[::-1] if descending else values


def _percentile(
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


def _number_stats(session: Session, evaluation_id: str, alias: str) -> NumberStats | None:
    column = T.value_number
    ends = [
        session.execute(
            _sorted_values(evaluation_id, alias, column, descending=last).limit(1)
        ).all()
        for last in (False, True)
    ]
    if not ends[0]:
        return None
    low, high = (_as_stored(session, alias, column, end)[0] for end in ends)
    exponent = _exponent(low, high)
    shift = math.ldexp(low, -exponent)
    sums = _sums(session, evaluation_id, alias, exponent, shift)
    if sums is None:
        return None
    n = sums.count
    percentiles = {
        p: _percentile(session, evaluation_id, alias, column, n, p) for p in NUMBER_PERCENTILES
    }
    # Rounded once, and kept within [low, high] (the low parts' sum may be off in its last bit).
    mean = min(max(_ldexp(float(sums.total / n), exponent), low), high)
    std = None
    if n > 1:
        shifted = float(sums.total - n * Fraction(shift))
        variance = stats.sample_variance(n, shifted, sums.shifted_squares)
        std = _finite(_ldexp(math.sqrt(variance), exponent))
    return NumberStats(n, mean, std, low, high, percentiles)


def _exponent(low: float, high: float) -> int:
    """The e that puts the values times 2^-e within (-1, 1): so scaled (exactly, but for bits
    below a subnormal's), no square or sum of them overflows, nor do small ones' squares
    underflow (1e-200 squared is 0). A subnormal top is scaled by 2^1021 at most."""
    return max(math.frexp(max(abs(low), abs(high)))[1], LEAST_EXPONENT)


@dataclass(frozen=True)
class _Sums:
    count: int
    total: Fraction  # of the scaled values: exact, but for the low parts' rounding
    shifted_squares: float


def _sums(
    session: Session, evaluation_id: str, alias: str, exponent: int, shift: float
) -> _Sums | None:
    """One pass over the alias's numbers x, scaled to y = x·2^-exponent, with sums of
    - y split into its multiple of 2^-21 and the rest: the first sum is exact in any order, so
      both databases find the same total, and values that cancel keep their digits (1e16, 1,
      1, -1e16 average 0.5, where plain sums give 0);
    - (y - shift)^2, with the shift the least y: the shift keeps the variance's sums from
      cancelling (min is within sqrt(n) standard deviations of the mean, so the variance keeps
      all but about log10(n) of its digits; see stats.sample_variance). The sum of y - shift
      is the total's.
    Every term is below 4 in size, so no sum overflows (PostgreSQL would refuse it, SQLite
    would give inf). Nor does a product underflow to 0, which PostgreSQL refuses too: a y under
    2^-NEGLIGIBLE_EXPONENT, and a y - shift whose square would be, are taken as 0 before they
    are multiplied (the largest y is at least 1/2, so such terms change no figure)."""
    x = T.value_number
    tiny_x = math.ldexp(1.0, exponent - NEGLIGIBLE_EXPONENT)  # 0.0 past a double: no x is less
    scaled = case((func.abs(x) < tiny_x, 0.0), else_=x * math.ldexp(1.0, -exponent))
    high_part = (scaled + SPLIT) - SPLIT
    shifted = scaled - shift
    tiny = math.ldexp(1.0, -NEGLIGIBLE_EXPONENT // 2)
    squares = case((func.abs(shifted) < tiny, 0.0), else_=shifted * shifted)
    stmt = select(
        func.count(),
        func.sum(high_part),
        func.sum(scaled - high_part),
        func.sum(squares),
    ).where(_in_alias(evaluation_id, alias), T.value_number.isnot(None))
    n, high_parts, low_parts, shifted_squares = session.execute(stmt).one()
    if high_parts is None or low_parts is None or shifted_squares is None:
        return None  # no numbers left: rewritten since the alias's ends were read
    return _Sums(int(n), Fraction(high_parts) + Fraction(low_parts), float(shifted_squares))


def _ldexp(value: float, exponent: int) -> float:
    """value·2^exponent, ±inf past a double's range (where math.ldexp raises)."""
    try:
        return math.ldexp(value, exponent)
    except OverflowError:
        return math.copysign(math.inf, value)


def _finite(value: float) -> float | None:
    """None for a deviation past a double's range (values of both signs near its ends)."""
    return value if math.isfinite(value) else None
