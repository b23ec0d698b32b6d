"""The SQL of span writes and of reads by id.

A write is a few lookups by id, one statement for the spans and one for their metadata index
rows (on SQLite, for their places in the queue that writes those rows behind:
yardstick.span.metadata_queue), all as plain driver statements (yardstick.span.driver).
Everything takes a `Connection`, so the run trace queue (`write_run_spans`) and a request's
session write by the same code.

An upsert is `INSERT … ON CONFLICT (account_id, id) DO UPDATE`. Its WHERE keeps two rules for
writers that race on one id past the service's checks: a completed span is never replaced by an
in-progress one, and a span never moves to another trace (PostgreSQL's writers of two traces do
not take turns: each read a new id as new, and the second's upsert once moved the span, in
~40 % of tries). A span the WHERE leaves as stored gets no index rows, and `write` names it for
the caller to answer. Which spans those are is read back after the upsert (sqlite3 drops what
an executemany RETURNs), and exactly so: a row the upsert wrote or left stays as it was until
this transaction ends (PostgreSQL locks it either way; SQLite's writers take turns).
On SQLite each write also queues its spans for the FTS5 index (yardstick.span.text_index);
PostgreSQL's GIN index follows by itself.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection, SQLColumnExpression, select
from sqlalchemy.orm import aliased

from yardstick.models import Span
from yardstick.span import metadata_index, metadata_queue, text_index
from yardstick.span.driver import CHUNK, mark, select_in, timestamp_param
from yardstick.span.rules import Node
from yardstick.span.stored import PreparedSpan, StoredSpan

# StoredSpan's fields, in order, as columns: reads build StoredSpans from these rows.
STORED_COLUMNS: tuple[SQLColumnExpression[Any], ...] = (
    Span.account_id,
    Span.id,
    Span.trace_id,
    Span.parent_id,
    Span.group_id,
    Span.name,
    Span.application_interaction_id,
    Span.application_variant_id,
    Span.start_timestamp,
    Span.end_timestamp,
    Span.input,
    Span.output,
    Span.expected,
    Span.metadata_,
    Span.status,
    Span.type,
    Span.input_tokens,
    Span.output_tokens,
    Span.obs_trace_id,
    Span.obs_span_id,
    Span.created_by_user_id,
)
# The columns a write sets: StoredSpan's fields in order, then what the write adds.
_WRITTEN = (
    "account_id",
    "id",
    "trace_id",
    "parent_id",
    "group_id",
    "name",
    "application_interaction_id",
    "application_variant_id",
    "start_timestamp",
    "end_timestamp",
    "input",
    "output",
    "expected",
    "metadata",
    "status",
    "type",
    "input_tokens",
    "output_tokens",
    "obs_trace_id",
    "obs_span_id",
    "created_by_user_id",
    "duration_us",
    "created_at",
    "updated_at",
)
# The seed of the traces' advisory lock keys (`lock_traces`): apart from any other lock's.
_TRACE_LOCKS = 0x5BA5
# Traces a write locks one by one; past this many it locks the account instead.
MAX_TRACE_LOCKS = 32
# What replacing a span leaves as it was.
_KEPT = frozenset({"account_id", "id", "created_by_user_id", "created_at"})


# Rows a statement inserts on SQLite (25 parameters each: within SQLite's 32,766 a statement).
ROWS_A_STATEMENT = 200


@cache
def _write_sql(placeholder: str, upsert: bool, rows: int = 1) -> str:
    row = "(" + ", ".join([placeholder] * len(_WRITTEN)) + ")"
    sql = f"INSERT INTO spans ({', '.join(_WRITTEN)}) VALUES {', '.join([row] * rows)}"
    if not upsert:
        return sql
    assignments = ", ".join(f"{name} = excluded.{name}" for name in _WRITTEN if name not in _KEPT)
    return (
        f"{sql} ON CONFLICT (account_id, id) DO UPDATE SET {assignments} "
        # A completed span stays completed, and in its trace (see the module's docstring).
        "WHERE (spans.end_timestamp IS NULL OR excluded.end_timestamp IS NOT NULL) "
        "AND spans.trace_id = excluded.trace_id"
    )


def _insert_in_statements(connection: Connection, rows: Sequence[Any], upsert: bool) -> None:
    """SQLite: the rows in statements of up to ROWS_A_STATEMENT. sqlite3 lets the GIL go
    around each row of an executemany, and while requests come in, the event loop's thread
    took it at each of those 50 turns a batch and kept it for as long as it had work: a
    statement for the batch was ~5 % more spans a second through `PUT /v5/spans/batch`."""
    for first in range(0, len(rows), ROWS_A_STATEMENT):
        chunk = rows[first : first + ROWS_A_STATEMENT]
        values = tuple(chain.from_iterable(chunk))
        connection.exec_driver_sql(_write_sql("?", upsert, len(chunk)), values)


def _left_as_stored(
    connection: Connection, spans: Sequence[PreparedSpan]
) -> tuple[dict[str, int], dict[str, str]]:
    """After an upsert of `spans`: the rows (`seq`) of those it wrote, and those it left as
    stored (id → the stored span's trace), as its WHERE decided."""
    sql = (
        "SELECT id, seq, trace_id, end_timestamp IS NOT NULL FROM spans "
        "WHERE account_id = {m} AND id IN"
    )
    account_id = spans[0].span.account_id
    rows = select_in(connection, sql, account_id, [p.span.id for p in spans])
    found = {row[0]: row[1:] for row in rows}
    seqs: dict[str, int] = {}
    left: dict[str, str] = {}
    for prepared in spans:
        span = prepared.span
        seq, trace_id, completed = found[span.id]
        if trace_id != span.trace_id or (completed and not span.completed):
            left[span.id] = trace_id
        else:
            seqs[span.id] = seq
    return seqs, left


def _rows(
    spans: Sequence[PreparedSpan], starts: Sequence[Any], now: datetime, connection: Connection
) -> list[Any]:
    """The spans' rows; `starts` are their start timestamps as the driver takes them."""
    at = timestamp_param(connection)
    written_at = at(now)
    return [
        (
            span.account_id,
            span.id,
            span.trace_id,
            span.parent_id,
            span.group_id,
            span.name,
            span.application_interaction_id,
            span.application_variant_id,
            start,
            at(span.end_timestamp),
            span.input,
            span.output,
            span.expected,
            span.metadata,
            span.status,
            span.type,
            span.input_tokens,
            span.output_tokens,
            span.obs_trace_id,
            span.obs_span_id,
            span.created_by_user_id,
            span.duration_us,
            written_at,
            written_at,
        )
        for span, start in zip((prepared.span for prepared in spans), starts, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class Known:
    """What a write needs to know of a stored span."""

    node: Node
    completed: bool
    created_by_user_id: str


class SpanRepository:
    def write(
        self,
        connection: Connection,
        spans: Sequence[PreparedSpan],
        *,
        upsert: bool,
        now: datetime,
        replaced: Collection[str],
    ) -> dict[str, str]:
        """Store `spans` and their metadata index rows; `replaced` are the ids already stored
        (their index rows are dropped first). Insert-only writes raise IntegrityError on an
        id that is already stored. An upsert leaves a stored span as it is when the write is
        in progress and the span completed, or the span is in another trace: the answer names
        those (id → the stored span's trace), and their index rows stay as they are."""
        if not spans:
            return {}
        account_id = spans[0].span.account_id
        sqlite = connection.dialect.name == "sqlite"
        before = text_index.indexed(connection, account_id, replaced) if sqlite else {}
        placeholder, at = mark(connection), timestamp_param(connection)
        starts = [at(p.span.start_timestamp) for p in spans]  # for the rows and index rows
        rows = _rows(spans, starts, now, connection)
        if sqlite:
            _insert_in_statements(connection, rows, upsert)
        else:  # psycopg pipelines an executemany
            connection.exec_driver_sql(_write_sql(placeholder, upsert), rows)
        left: dict[str, str] = {}
        if upsert:
            seqs, left = _left_as_stored(connection, spans)
        else:  # every row inserted, or IntegrityError
            seqs = {span_id: indexed.seq for span_id, indexed in before.items()}
            unknown = [p.span.id for p in spans if p.span.id not in seqs]
            sql = "SELECT id, seq FROM spans WHERE account_id = {m} AND id IN"
            seqs.update(dict(select_in(connection, sql, account_id, unknown)))
        written = [(p, start) for p, start in zip(spans, starts, strict=True) if p.span.id in seqs]
        if sqlite:
            text_index.update(connection, [p.span for p, _ in written], before, seqs)
            # Written behind (yardstick.span.metadata_queue): a search catches it up first.
            metadata_queue.queue(connection, account_id, [seqs[p.span.id] for p, _ in written])
        else:
            self._write_metadata_index(connection, written, seqs, replaced)
        return left

    @staticmethod
    def _write_metadata_index(
        connection: Connection,
        written: Sequence[tuple[PreparedSpan, Any]],
        seqs: dict[str, int],
        replaced: Collection[str],
    ) -> None:
        """PostgreSQL: the spans' metadata index rows, with the spans (their `start`s as the
        driver takes them); a replaced span's rows are dropped first."""
        stale = [seqs[span_id] for span_id in replaced if span_id in seqs]
        for start in range(0, len(stale), CHUNK):
            chunk = stale[start : start + CHUNK]
            connection.exec_driver_sql(
                "DELETE FROM span_metadata_values WHERE span_seq IN "
                f"({', '.join(['%s'] * len(chunk))})",
                tuple(chunk),
            )
        entries = [
            (p.span.account_id, key, value, start, p.span.id, seqs[p.span.id])
            for p, start in written
            for key, value in metadata_index.entries(p.indexed_metadata)
        ]
        if entries:
            connection.exec_driver_sql(
                "INSERT INTO span_metadata_values (account_id, key, value, start_timestamp, "
                "span_id, span_seq) VALUES (%s, %s, %s, %s, %s, %s)",
                entries,
            )

    def lock_traces(self, connection: Connection, account_id: str, traces: Collection[str]) -> None:
        """PostgreSQL: hold the traces against other writers until this transaction ends.

        The rules read what is stored, then write; two requests side by side each read the
        other's spans as absent, and stored a cycle of parents between them (31 of 40 tries of
        `x → y` beside `y → x`). Writers of one trace take turns; writers that put a span and
        its parent in two traces at once do not (locking every id and parent instead would
        hold a lock per span). SQLite's writers take turns already.

        A lock a trace would be 1,000 locks for a batch of 1,000 traces, and PostgreSQL's lock
        table holds `max_locks_per_transaction` (64) for each connection. So a write of more
        than MAX_TRACE_LOCKS traces takes the account's lock alone, exclusive; a smaller one
        takes it shared, then its traces, in key order, so two writers never hold each
        other's in crossed order."""
        keys = sorted({f"{account_id}/{trace}" for trace in traces})
        if len(keys) > MAX_TRACE_LOCKS:
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, %(seed)s))",
                {"key": account_id, "seed": _TRACE_LOCKS},
            ).all()
            return
        connection.exec_driver_sql(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%(account)s, %(seed)s)), "
            "(SELECT count(pg_advisory_xact_lock(hashtextextended(key, %(seed)s))) "
            "FROM unnest(%(keys)s::text[]) WITH ORDINALITY AS k(key, n))",
            {"account": account_id, "keys": keys, "seed": _TRACE_LOCKS},
        ).all()

    def nodes(
        self, connection: Connection, account_id: str, ids: Collection[str]
    ) -> dict[str, Known]:
        """The stored spans among `ids`."""
        rows = select_in(
            connection,
            "SELECT id, trace_id, parent_id, end_timestamp IS NOT NULL, created_by_user_id "
            "FROM spans WHERE account_id = {m} AND id IN",
            account_id,
            ids,
        )
        return {row[0]: Known(Node(row[0], row[1], row[2]), bool(row[3]), row[4]) for row in rows}

    def children(self, connection: Connection, account_id: str, ids: Collection[str]) -> list[Node]:
        """The stored spans whose parent is one of `ids`."""
        rows = select_in(
            connection,
            "SELECT id, trace_id, parent_id FROM spans WHERE account_id = {m} AND parent_id IN",
            account_id,
            ids,
        )
        return [Node(*row) for row in rows]

    def ancestors(
        self, connection: Connection, account_id: str, ids: Collection[str]
    ) -> dict[str, str | None]:
        """Id → parent of the stored spans among `ids` and all their stored ancestors."""
        up = (
            select(Span.id, Span.parent_id)
            .where(Span.account_id == account_id, Span.id.in_(list(ids)))
            .cte("up", recursive=True)
        )
        above = aliased(Span)
        up = up.union(
            select(above.id, above.parent_id).where(
                above.account_id == account_id, above.id == up.c.parent_id
            )
        )
        return {row[0]: row[1] for row in connection.execute(select(up.c.id, up.c.parent_id))}

    def get_many(
        self, connection: Connection, account_id: str, ids: Collection[str]
    ) -> dict[str, StoredSpan]:
        if not ids:
            return {}
        rows = connection.execute(
            select(*STORED_COLUMNS).where(Span.account_id == account_id, Span.id.in_(list(ids)))
        )
        return {row[1]: StoredSpan(*row) for row in rows}


span_repository = SpanRepository()
