"""`POST /v5/spans/search`: filters to SQL, and a plan that stays fast over millions of spans.

Pages are keyset pages on (start_timestamp, id), newest first by default; the cursor is a span
id (what the official clients send: the last item's), whose position is read first.

Where a search starts reading decides its speed (yardstick.span.search_plan): an id filter's
index, the metadata index in order, the rows of a rare text, or the account's time index read
newest first until the page is full. The conditions are the same on both dialects; only how
SQLite is steered to its start differs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from yardstick.errors import BadRequest, Unprocessable
from yardstick.kit.pagination import PageParams
from yardstick.models import Span, SpanAssessment, SpanMetadataValue
from yardstick.span import metadata_index, metadata_queue, search_plan, search_text, text_index
from yardstick.span.repository import STORED_COLUMNS
from yardstick.span.schemas import MAX_FILTER_IDS, SpanSearch
from yardstick.span.stored import StoredSpan, utc

# The metadata keys the agentex filters read, in both spellings.
_AGENTEX_KEYS = {
    "agentex_agent_ids": ("agentex_agent_id", "agentex_agent_ids"),
    "agentex_agent_names": ("agentex_agent_name", "agentex_agent_names"),
    "acp_types": ("acp_type", "acp_types"),
}
M = SpanMetadataValue
# The index again, for a filter checked inside a search that may read the index itself (one that
# starts there): under a name of its own, or the check would correlate to the search's rows.
_CHECKED = aliased(SpanMetadataValue, name="checked_metadata")
# Keys `extra_metadata` may name in one search.
MAX_METADATA_KEYS = 20
# Values of the filters other than ids, together (`_count_values`).
MAX_FILTER_VALUES = 10_000
# `sort_by` values other than the start, as the 0.7.0 client names them: their columns.
SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "duration_ms": Span.duration_us.expression,
    "input_tokens": Span.input_tokens.expression,
    "output_tokens": Span.output_tokens.expression,
}


@dataclass(frozen=True, slots=True)
class MetadataFilter:
    """`metadata[key]` is one of `values`, for one of `keys` (already encoded)."""

    keys: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def single(self) -> bool:
        """One key and one value: its rows of the metadata index are in search order."""
        return len(self.keys) == 1 and len(self.values) == 1


@dataclass
class Query:
    """A search's conditions, sorted by what they can do for the plan."""

    account_id: str
    dialect: str
    plain: list[ColumnElement[bool]] = field(default_factory=list)
    narrow: bool = False  # an id filter: its index is the start
    # Conditions a walk of the time index would check span by span (all but its bounds): how
    # many spans it walks for a page then depends on how rare they are, which nothing counts.
    checked: bool = False
    metadata: list[MetadataFilter] = field(default_factory=list)
    terms: search_text.Terms = field(default_factory=lambda: search_text.Terms((), ()))


@dataclass(frozen=True, slots=True)
class SearchPage:
    spans: list[StoredSpan]
    has_more: bool


def _ids(*lists: Sequence[str] | None, single: str | None = None) -> list[str]:
    values = [value for values in lists for value in values or ()]
    return [*values, single] if single is not None else values


def _count_ids(body: SpanSearch) -> int:
    lists = (
        body.trace_ids,
        body.span_ids,
        body.parent_ids,
        body.excluded_trace_ids,
        body.excluded_span_ids,
    )
    pairs = len(body.spans or ()) + len(body.excluded_spans or ())
    singles = (body.trace_id is not None) + (body.span_id is not None)
    return sum(len(values or ()) for values in lists) + 2 * pairs + singles


def _count_values(body: SpanSearch, metadata: Sequence[MetadataFilter]) -> int:
    """The values of the filters other than ids, as the statement binds them."""
    lists = (
        body.names,
        body.statuses,
        body.types,
        body.application_variant_ids,
        body.assessment_types,
        body.obs_trace_ids,
        body.obs_span_ids,
    )
    bound = sum(len(wanted.keys) + len(wanted.values) for wanted in metadata)
    return sum(len(values or ()) for values in lists) + bound


def _metadata_filters(body: SpanSearch) -> list[MetadataFilter]:
    extra = body.extra_metadata or {}
    if len(extra) > MAX_METADATA_KEYS:
        # Each key is a subquery: PostgreSQL took 1.5 s to plan 100 of them, 16 s for 200.
        raise Unprocessable(
            ["body", "extra_metadata"], f"at most {MAX_METADATA_KEYS} keys in one search"
        )
    filters = []
    for key, wanted in extra.items():
        if isinstance(wanted, list) and len(wanted) > MAX_FILTER_IDS:
            raise Unprocessable(
                ["body", "extra_metadata", key], f"at most {MAX_FILTER_IDS} values for one key"
            )
        values = metadata_index.filter_values(key, wanted, ["body", "extra_metadata"])
        if values:  # an empty list is no filter, as everywhere in a search
            filters.append(MetadataFilter((metadata_index.encode_key(key),), tuple(values)))
    for name, keys in _AGENTEX_KEYS.items():
        wanted = getattr(body, name)
        if wanted:
            values = metadata_index.filter_values(name, wanted, ["body"])
            filters.append(MetadataFilter(keys, tuple(values)))
    return filters


def _build(
    body: SpanSearch,
    account_id: str,
    dialect: str,
    from_ts: datetime | None,
    to_ts: datetime | None,
) -> Query:
    if _count_ids(body) > MAX_FILTER_IDS:
        raise Unprocessable(
            ["body"],
            f"at most {MAX_FILTER_IDS} ids in trace_ids, span_ids, parent_ids, "
            "excluded_trace_ids and excluded_span_ids together (a spans pair counts 2)",
        )
    query = Query(account_id, dialect, metadata=_metadata_filters(body))
    if _count_values(body, query.metadata) > MAX_FILTER_VALUES:
        # Each value is a bound parameter, and a statement holds at most 65,535 of them on
        # PostgreSQL (32,766 on SQLite): past that the search failed as a 500 (SQLite) or a
        # 503 that the clients retried for ever (PostgreSQL).
        raise Unprocessable(
            ["body"],
            f"at most {MAX_FILTER_VALUES} values in names, statuses, types, "
            "application_variant_ids, assessment_types, obs_trace_ids, obs_span_ids, the "
            "agentex lists and extra_metadata together",
        )
    raw_terms = [*(body.search_texts or ()), *([body.search_text] if body.search_text else [])]
    field_name = "search_texts" if body.search_texts else "search_text"
    query.terms = search_text.parse_terms(raw_terms, field_name)

    plain = query.plain
    if trace_ids := _ids(body.trace_ids, single=body.trace_id):
        plain.append(Span.trace_id.in_(trace_ids))
    if span_ids := _ids(body.span_ids, single=body.span_id):
        plain.append(Span.id.in_(span_ids))
    if body.spans:
        plain.append(
            tuple_(Span.trace_id, Span.id).in_([(p.trace_id, p.span_id) for p in body.spans])
        )
    if body.parent_ids:
        plain.append(Span.parent_id.in_(body.parent_ids))
    if body.group_id is not None:
        plain.append(Span.group_id == body.group_id)
    query.narrow = bool(plain)
    if body.excluded_trace_ids:
        plain.append(Span.trace_id.not_in(body.excluded_trace_ids))
    if body.excluded_spans:  # they replace excluded_span_ids
        pairs = [(p.trace_id, p.span_id) for p in body.excluded_spans]
        plain.append(tuple_(Span.trace_id, Span.id).not_in(pairs))
    elif body.excluded_span_ids:
        plain.append(Span.id.not_in(body.excluded_span_ids))
    for values, column in (
        (body.names, Span.name),
        (body.statuses, Span.status),
        (body.types, Span.type),
        (body.application_variant_ids, Span.application_variant_id),
        (body.obs_trace_ids, Span.obs_trace_id),
        (body.obs_span_ids, Span.obs_span_id),
    ):
        if values:
            plain.append(column.in_(list(values)))
    if body.parents_only:
        plain.append(Span.parent_id.is_(None))
    if body.min_duration_ms is not None:
        plain.append(Span.duration_us >= body.min_duration_ms * 1000)
    if body.max_duration_ms is not None:
        plain.append(Span.duration_us <= body.max_duration_ms * 1000)
    if body.assessment_types:
        plain.append(
            exists().where(
                SpanAssessment.account_id == account_id,
                SpanAssessment.span_id == Span.id,
                SpanAssessment.assessment_type.in_(body.assessment_types),
            )
        )
    query.checked = bool(plain or query.metadata)
    if from_ts is not None:
        plain.append(Span.start_timestamp >= from_ts)
    if to_ts is not None:
        plain.append(Span.start_timestamp <= to_ts)
    return query


def _metadata_rows(account_id: str, wanted: MetadataFilter) -> Select[Any]:
    """The rows (`spans.seq`) of the spans a metadata filter matches."""
    return select(_CHECKED.span_seq).where(
        _CHECKED.account_id == account_id,
        _CHECKED.key.in_(wanted.keys),
        _CHECKED.value.in_(wanted.values),
    )


def _metadata_check(wanted: MetadataFilter) -> ColumnElement[bool]:
    """The metadata filter, span by span: one lookup in the index of the span's rows."""
    return exists().where(
        _CHECKED.span_seq == Span.seq,
        _CHECKED.key.in_(wanted.keys),
        _CHECKED.value.in_(wanted.values),
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """A search as SQL: its conditions, and the columns it is ordered and paged by (the
    metadata index's own, when it starts there)."""

    conditions: list[ColumnElement[bool]]
    order: tuple[Any, Any]
    joined: bool  # reads through the metadata index: `span_metadata_values JOIN spans`


def _plan(session: Session, query: Query, *, by_start: bool, page: int) -> Plan:
    """`by_start`: the page is ordered by the start (the default `sort_by`), so a metadata
    filter's index rows, in that order already, may be the start, and a walk of the time
    index may stop once it has the `page` rows the search reads (which `choose` can tell
    only when the walk checks nothing but the text)."""
    account_id, sqlite = query.account_id, query.dialect == "sqlite"
    start: search_plan.Start | None = None
    if not query.narrow:
        fts = None if query.terms.traces else text_index.query(query.terms.texts)
        in_order = (
            next((i for i, wanted in enumerate(query.metadata) if wanted.single), None)
            if by_start
            else None
        )
        start = search_plan.choose(
            session,
            sqlite=sqlite,
            in_order=in_order,
            probes=[
                None if wanted.single else _metadata_rows(account_id, wanted)
                for wanted in query.metadata
            ],
            text=text_index.candidates(account_id, fts) if sqlite and fts is not None else None,
            page=page if by_start and not query.checked else None,
        )

    conditions = list(query.plain)
    order: tuple[Any, Any] = (Span.start_timestamp, Span.id)
    joined = isinstance(start, search_plan.InOrder)
    if isinstance(start, search_plan.InOrder):
        first = query.metadata[start.option]
        conditions += [
            M.account_id == account_id,
            M.key == first.keys[0],
            M.value == first.values[0],
        ]
        order = (M.start_timestamp, M.span_id)
    elif isinstance(start, search_plan.Rows):
        # The rows come from `start`: no index of the account's may look cheaper to SQLite.
        conditions += [(Span.account_id + "") == account_id, start.condition()]
    else:
        conditions.append(Span.account_id == account_id)
        if isinstance(start, search_plan.Among):
            conditions.append(start.condition())
    if sqlite and (query.narrow or isinstance(start, search_plan.Rows)):
        order = (search_plan.hidden_order(order[0]), search_plan.hidden_order(order[1]))

    for index, wanted in enumerate(query.metadata):
        if start is not None and start.option == index:
            continue  # the start is this filter's rows already
        if sqlite:
            conditions.append(_metadata_check(wanted))
        else:
            conditions.append(Span.seq.in_(_metadata_rows(account_id, wanted)))
    if query.terms:
        conditions.append(search_text.condition(query.dialect, query.terms))
    return Plan(conditions, order, joined)


def _cursor(
    session: Session, account_id: str, span_id: str, key: Sequence[SQLColumnExpression[Any]]
) -> tuple[Any, ...]:
    """The values of the page's sort `key` at the span `span_id`."""
    found = session.execute(
        select(*key).where(Span.account_id == account_id, Span.id == span_id)
    ).first()
    if found is None:
        raise BadRequest(f"unknown cursor {span_id!r}: no such span in this account")
    return tuple(found)


def search(
    session: Session,
    account_id: str,
    body: SpanSearch,
    *,
    params: PageParams,
    from_ts: datetime | None,
    to_ts: datetime | None,
) -> SearchPage:
    # A time without a zone is UTC, as everywhere in the API (nor can it be compared with one
    # that has a zone).
    from_ts = None if from_ts is None else utc(from_ts)
    to_ts = None if to_ts is None else utc(to_ts)
    if from_ts is not None and to_ts is not None and from_ts > to_ts:
        raise Unprocessable(["query", "from_ts"], "from_ts is after to_ts")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # PostgreSQL compiles a query whose estimated cost passes `jit_above_cost`: a search
        # naming 5,000 `spans` pairs spent 6.7 s of its 6.9 compiling. A search is a short
        # read through indexes, for which compiling never pays off.
        session.execute(text("SET LOCAL jit = off"))
    query = _build(body, account_id, dialect, from_ts, to_ts)
    if query.metadata and dialect == "sqlite":
        # The metadata index is written behind the spans: read where it is exact.
        with metadata_queue.exact(session, account_id) as exact_session:
            return _page(exact_session, query, params)
    return _page(session, query, params)


def _page(session: Session, query: Query, params: PageParams) -> SearchPage:
    account_id = query.account_id
    by = SORT_COLUMNS.get(params.sort_by or "")
    plan = _plan(session, query, by_start=by is None, page=params.limit + 1)

    ascending = params.sort_order == "asc"
    backwards = params.ending_before is not None
    scan_ascending = ascending != backwards
    conditions = plan.conditions
    # The page's order: the start, then the id (the metadata index's own copies of them when
    # the search starts there); or another column, a null as 0, then those two.
    start, span_id = Span.start_timestamp.expression, Span.id.expression
    order: tuple[SQLColumnExpression[Any], ...] = plan.order
    key: tuple[ColumnElement[Any], ...] = (
        (M.start_timestamp.expression, M.span_id.expression) if plan.joined else (start, span_id)
    )
    if by is not None:
        key = (func.coalesce(by, 0), start, span_id)
        order = key
    for cursor, after in ((params.starting_after, True), (params.ending_before, False)):
        if cursor is not None:
            at = _cursor(session, account_id, cursor, (*key[:-2], start, span_id))
            position = tuple_(
                *(literal(value, column.type) for value, column in zip(at, key, strict=True))
            )
            conditions.append(
                tuple_(*key) > position if after == ascending else tuple_(*key) < position
            )
    directed = [column.asc() if scan_ascending else column.desc() for column in order]
    stmt = select(*STORED_COLUMNS)
    if plan.joined:
        stmt = stmt.select_from(M).join(Span, Span.seq == M.span_seq)
    if by is None:
        stmt = stmt.where(and_(*conditions)).order_by(*directed).limit(params.limit + 1)
    else:
        # No index holds these orders: the rows are sorted by their keys and rows alone, then
        # the page's payloads read (a sort carrying every payload cost seconds a page).
        page = (
            select(Span.seq)
            .where(and_(*conditions))
            .order_by(*directed)
            .limit(params.limit + 1)
            .subquery()
        )
        stmt = stmt.where(Span.seq.in_(select(page.c.seq))).order_by(*directed)
    rows = session.execute(stmt).all()
    spans = [StoredSpan(*row) for row in rows[: params.limit]]
    if backwards:
        spans.reverse()
    return SearchPage(spans, has_more=len(rows) > params.limit)
