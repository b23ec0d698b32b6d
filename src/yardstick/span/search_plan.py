"""Where a span search starts reading: the choice that decides its speed over millions of spans.

The page is the newest spans that pass every filter. There are three ways to find them:

- **An id filter's index** (traces, spans, pairs, parents, group): its few rows, then sorted.
- **The metadata index in order**: a filter of one metadata key on one value reads that
  value's rows of `span_metadata_values` newest first (its primary key is in search order) and
  joins each span, checking the other filters, until the page is full. Fast however rare or
  common the value. Used on both dialects; PostgreSQL plans the join by itself.
- **The account's time index**, newest first, every filter checked per span: right when many
  spans pass, ruinous when few do. A text term of middling frequency (SQLite: from DRIVE_LIMIT
  to FILTER_LIMIT candidates) walks it too, but each span is first checked against the term's
  candidates, which SQLite reads once into a table of its own (`Among`): the walk then reads
  only the index, whose entries hold the row, and a span's text only when it is a candidate.

PostgreSQL's planner picks between id filters, text and the time index from its statistics.
SQLite keeps none here and takes `account_id = ?` for selective, preferring the time index;
so for SQLite, with an id filter the order is hidden from the time index (`hidden_order`);
and otherwise the text filter and metadata filters of several values are probed: the one
matching fewest spans, if fewer than DRIVE_LIMIT, has its rows read by row id and sorted;
but a text alone (no other filter but the time window) that enough spans hold is walked as
above (`Among`), which reads fewer rows the commoner the text is (WALK_PER_ROW). A
rare text (fewer than TEXT_OVER_METADATA matches) is read that way even when a metadata
filter could start in order, since the page might take long to fill from the metadata side.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    case,
    false,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from yardstick.models import Span

# A filter matching fewer spans than this is read whole, then sorted: at ~25 µs a span
# (a row lookup, the text check, the sort), well under the cost of the time index's scan for
# anything rarer than a few in a thousand.
DRIVE_LIMIT = 5000
# What a text's matching span costs read whole (Rows), in entries of the time index walked
# (Among): over 200,000 spans, ~16 µs against ~0.7 µs. A walk reads about page × spans /
# matches entries before its page is full, so a text held by 2,000 of 200,000 spans (1 %) is
# walked (11–13 ms), not read whole (36 ms); one held by 1,000 of 1,000,000 is read whole.
WALK_PER_ROW = 20
TEXT_OVER_METADATA = 1000
# Up to this many candidates, a walk is cheaper checking each span's row against them than its
# text: over 1,000,000 spans, a term 1 % of them hold took ~13 ms so against ~70 ms (the text
# check costs ~7 µs a span walked, and a page of 100 needs 100 / share spans walked); beyond,
# the candidates cost more to read than the walk they save.
FILTER_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class Rows:
    """Start from these rows (`spans.seq`): the matches of the filter `option`."""

    seqs: Sequence[int]
    option: int

    def condition(self) -> ColumnElement[bool]:
        if not self.seqs:
            return false()
        # Our own rows' integer keys, written into the statement: no parameters to expand.
        keys = ",".join(map(str, self.seqs))
        return Span.seq.op("IN", is_comparison=True)(literal_column(f"({keys})"))


@dataclass(frozen=True, slots=True)
class InOrder:
    """Start from the metadata index, in order, for the metadata filter `option`."""

    option: int


@dataclass(frozen=True, slots=True)
class Among:
    """Walk the time index, but only the rows `candidates` gives (the text's) may match."""

    candidates: Select[Any] | CompoundSelect[Any]
    option: int

    def condition(self) -> ColumnElement[bool]:
        # `+ 0`: the rows are a check on the walk, not where SQLite should start reading.
        # SQLite reads the subquery once, into a table of its own.
        return (Span.seq + 0).in_(self.candidates)


Start = Rows | InOrder | Among


def _rows(session: Session, rows: Select[Any] | CompoundSelect[Any], limit: int) -> list[int]:
    return list(session.scalars(rows.limit(limit)))


def choose(
    session: Session,
    *,
    sqlite: bool,
    in_order: int | None,
    probes: Sequence[Select[Any] | CompoundSelect[Any] | None],
    text: Select[Any] | CompoundSelect[Any] | None,
    page: int | None,
) -> Start | None:
    """The start of a search without id filters: `in_order` is the metadata filter that can
    start in order, if one can; `probes` the rows of each metadata filter that cannot (None
    for one that can); `text` the rows that may hold the text terms (SQLite's candidates);
    `page` the rows the search reads when a walk of the time index checks only the text
    and stops when it has them (else None)."""
    if in_order is not None:
        if sqlite and text is not None:
            rare = _rows(session, text, TEXT_OVER_METADATA)
            if len(rare) < TEXT_OVER_METADATA:
                return Rows(rare, len(probes))
        return InOrder(in_order)
    if not sqlite:
        return None
    best: Rows | None = None
    for index, rows in enumerate(probes):
        if rows is None:
            continue
        seqs = _rows(session, rows, DRIVE_LIMIT)
        if len(seqs) < DRIVE_LIMIT and (best is None or len(seqs) < len(best.seqs)):
            best = Rows(seqs, index)
    if text is None:
        return best
    count, matched = _probe(session, text)
    if matched is not None and (best is None or len(matched) < len(best.seqs)):
        if best is None and page is not None and _walk_is_cheaper(session, len(matched), page):
            return Among(text, len(probes))
        return Rows(matched, len(probes))
    if best is None and count < FILTER_LIMIT:
        return Among(text, len(probes))
    return best


def _walk_is_cheaper(session: Session, matches: int, page: int) -> bool:
    """Whether walking the time index for a page of `page` rows costs less than reading the
    `matches` rows whole (WALK_PER_ROW). The spans are counted as the table's highest row
    number, at no cost: never fewer than the account's, so the doubt goes to reading whole."""
    spans = session.scalar(select(func.max(Span.seq))) or 0
    return page * spans < matches * matches * WALK_PER_ROW


def _probe(
    session: Session, rows: Select[Any] | CompoundSelect[Any]
) -> tuple[int, list[int] | None]:
    """How many rows there are (up to FILTER_LIMIT), and the rows themselves when fewer than
    DRIVE_LIMIT, in one statement (SQLite's): joined into one text in the database, as reading
    10,000 rows one by one through the driver costs more than the search they decide."""
    found = rows.limit(FILTER_LIMIT).subquery()
    count = func.count()
    joined = case((count < DRIVE_LIMIT, func.group_concat(found.c[0])), else_=None)
    total, text = session.execute(select(count, joined).select_from(found)).one()
    if not total:
        return 0, []
    return total, None if text is None else [int(seq) for seq in text.split(",")]


def hidden_order(column: Any) -> ColumnElement[Any]:
    """`column` as an ORDER BY term no index provides (`x || ''` sorts as `x` does: the
    timestamps and ids are text to SQLite)."""
    expression: ColumnElement[Any] = column.op("||")(literal_column("''"))
    return expression
