"""Spans: every writer's one way in, and the reads.

Writers: the SGP span routes, OTLP ingest and the engine's traces of runs. The first two check
and prepare a batch (`SpanService.prepare`: the rules that need only the batch, redaction, JSON
text) where the request is answered, then store it (`SpanService.store`: the rules against what
is stored, then everything or nothing) in the group commit's writer, which on SQLite is a
process of its own (yardstick.span.route_writes); `write` does both. The engine's trusted
spans are written behind its runs (yardstick.span.run_trace_queue): the same preparation
(redaction, token counts, metadata index), none of the request-level checks. Reads first let
that queue catch up (`run_trace_queue.catch_up`).

A write reads once what is stored of the batch's ids and parents, once the stored children of
the batch's spans, and (rarely: only when a cycle could run through stored spans) their stored
ancestors; then one executemany writes the spans and one their metadata index rows. On
PostgreSQL it first locks the batch's traces (`SpanRepository.lock_traces`), so what it reads
is not changed by a writer beside it, but for a writer of another trace storing the same id:
the upsert leaves that span as stored and says so, and the batch is a 409.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import Busy, Conflict, NotFound
from yardstick.kit.pagination import PageParams
from yardstick.span import run_trace_queue
from yardstick.span.records import SYSTEM_USER_ID, SpanStatus, SpanType, SpanWrite
from yardstick.span.repository import span_repository
from yardstick.span.rules import (
    Locate,
    Node,
    batch_loc,
    check_cycles,
    check_each,
    check_one_trace_each,
    check_traces,
    named,
    needs_ancestors,
    single_loc,
    winners,
)
from yardstick.span.schemas import SpanSearch, SpanUpdate
from yardstick.span.search import SearchPage, search
from yardstick.span.stored import PreparedSpan, StoredSpan, prepare, token_counts


def _writer(writer: Principal | str) -> tuple[str, str]:
    """(account id, user id) of a Principal, or of a bare account id (the system's user)."""
    if isinstance(writer, Principal):
        return writer.account_id, writer.user_id
    return writer, SYSTEM_USER_ID


def _moved(where: str, span_id: str, stored_trace: str, trace: str) -> Conflict:
    return Conflict(
        f"{where}: span {span_id!r} is in trace {stored_trace!r}; it cannot move to trace {trace!r}"
    )


@dataclass(slots=True)
class Batch:
    """A batch's spans checked and prepared, before the database is read (`SpanService.
    prepare`): what the group commit's write process is sent (yardstick.db.write_process)."""

    # The ids kept (one write an id: `rules.winners`), in order of first appearance, with the
    # index of the item kept; and those items prepared as the writer's.
    kept: dict[str, int]
    prepared: dict[str, PreparedSpan]
    account_id: str


@dataclass(slots=True)
class Stored:
    """What storing a Batch made of it that the Batch does not say: the spans it left as
    stored (a completed span stays completed), and who created the spans it replaced."""

    unchanged: dict[str, StoredSpan]
    creators: dict[str, str]

    def spans(self, batch: Batch) -> list[StoredSpan]:
        """The batch's spans as stored, one per id."""
        answer = []
        for span_id in batch.kept:
            span = self.unchanged.get(span_id) or batch.prepared[span_id].span
            creator = self.creators.get(span_id)
            answer.append(span if creator is None else replace(span, created_by_user_id=creator))
        return answer


class SpanService:
    def write(
        self,
        session: Session,
        writer: Principal | str,
        spans: Sequence[SpanWrite],
        *,
        upsert: bool,
        locate: Locate = batch_loc,
        traces_held: bool = False,
    ) -> list[StoredSpan]:
        """Store `spans` (insert-only, or insert-or-replace by id) and return them as stored,
        one per id, in the order the ids first appear. All or nothing: a 422 or a 409 from the
        rules writes nothing. `locate` says how errors name an item (`items[3].parent_id`)."""
        batch = self.prepare(writer, spans, upsert=upsert, locate=locate)
        stored = self.store(session, batch, upsert=upsert, locate=locate, traces_held=traces_held)
        return stored.spans(batch)

    @staticmethod
    def prepare(
        writer: Principal | str, spans: Sequence[SpanWrite], *, upsert: bool, locate: Locate
    ) -> Batch:
        """The rules that need only the batch (its 422s and 409s), and the kept spans
        prepared (yardstick.span.stored): the part of a write that reads nothing stored."""
        account_id, user_id = _writer(writer)
        check_each(spans, locate)
        kept = winners(spans, upsert=upsert, locate=locate)
        check_one_trace_each(spans, locate)
        prepared = {
            span_id: prepare(spans[index], account_id=account_id, user_id=user_id)
            for span_id, index in kept.items()
        }
        return Batch(kept, prepared, account_id)

    def store(
        self,
        session: Session,
        batch: Batch,
        *,
        upsert: bool,
        locate: Locate = batch_loc,
        traces_held: bool = False,
    ) -> Stored:
        """Write a prepared batch: the rules against what is stored, then every span, or
        none (a 409)."""
        account_id, spans = batch.account_id, batch.prepared
        if not traces_held:
            self.hold_traces(session, account_id, {p.span.trace_id for p in spans.values()})
        connection = session.connection()
        parents = {
            parent
            for p in spans.values()
            if (parent := p.span.parent_id) is not None and parent not in spans
        }
        stored = span_repository.nodes(connection, account_id, spans.keys() | parents)

        final: dict[str, tuple[int, Node]] = {}
        to_write: list[PreparedSpan] = []
        unchanged: list[str] = []
        for span_id, prepared in spans.items():
            index, span = batch.kept[span_id], prepared.span
            known = stored.get(span_id)
            if known is not None:
                where = named(locate(index, "id"))
                if not upsert:
                    raise Conflict(f"{where}: span {span_id!r} already exists")
                if known.node.trace_id != span.trace_id:
                    raise _moved(where, span_id, known.node.trace_id, span.trace_id)
                if known.completed and span.end_timestamp is None:
                    final[span_id] = (index, known.node)  # a completed span stays completed
                    unchanged.append(span_id)
                    continue
            final[span_id] = (index, Node(span_id, span.trace_id, span.parent_id))
            to_write.append(prepared)

        children = span_repository.children(connection, account_id, final.keys())
        check_traces(final, {key: known.node for key, known in stored.items()}, children, locate)
        stored_parents: dict[str, str | None] = {}
        if needs_ancestors(final, children):
            frontier = {
                node.parent_id
                for _, node in final.values()
                if node.parent_id is not None and node.parent_id not in final
            }
            stored_parents = span_repository.ancestors(connection, account_id, frontier)
        check_cycles(final, stored_parents, locate)

        # Replacing a span keeps who created it (the row keeps it: yardstick.span.repository).
        creators = {
            p.span.id: known.created_by_user_id
            for p in to_write
            if (known := stored.get(p.span.id)) is not None
            and known.created_by_user_id != p.span.created_by_user_id
        }
        try:
            left = span_repository.write(
                connection,
                to_write,
                upsert=upsert,
                now=utcnow(),
                replaced=[p.span.id for p in to_write if p.span.id in stored],
            )
        except IntegrityError:
            # Only a concurrent writer of the same ids gets here (PostgreSQL: SQLite's writers
            # take turns). Insert-only, the ids are taken now, as the rules would have said;
            # an upsert sent again applies the rules to what that writer stored.
            message = "a span of this batch was written by another request meanwhile"
            if upsert:
                raise Busy(f"{message}; send the batch again") from None
            raise Conflict(message) from None
        # What the upsert left as stored: another writer stored the id since it was read (on
        # PostgreSQL, one of another trace, whose lock is not ours; see
        # yardstick.span.repository). All or nothing: a 409 rolls the batch back.
        for span_id, trace_id in left.items():
            if trace_id != spans[span_id].span.trace_id:
                where = named(locate(batch.kept[span_id], "id"))
                raise _moved(where, span_id, trace_id, spans[span_id].span.trace_id)
            unchanged.append(span_id)  # a completed span stays completed
        return Stored(span_repository.get_many(connection, account_id, unchanged), creators)

    @staticmethod
    def hold_traces(session: Session, account_id: str, traces: Collection[str]) -> None:
        """PostgreSQL: the traces are this transaction's until it ends (a no-op for a trace it
        holds already). A request that writes in several calls takes all its traces here
        first, so two such requests never hold each other's in crossed order."""
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            span_repository.lock_traces(connection, account_id, traces)

    def get(self, session: Session, principal: Principal, span_id: str) -> StoredSpan:
        run_trace_queue.catch_up(session, principal.account_id)
        found = span_repository.get_many(session.connection(), principal.account_id, [span_id])
        if span_id not in found:
            raise NotFound("span", span_id)
        return found[span_id]

    def search(
        self,
        session: Session,
        principal: Principal,
        body: SpanSearch,
        *,
        params: PageParams,
        from_ts: datetime | None,
        to_ts: datetime | None,
    ) -> SearchPage:
        run_trace_queue.catch_up(session, principal.account_id)
        return search(
            session, principal.account_id, body, params=params, from_ts=from_ts, to_ts=to_ts
        )

    def update(
        self,
        session: Session,
        principal: Principal,
        span_id: str,
        *,
        changes: SpanUpdate,
    ) -> StoredSpan:
        """Replace the fields given (`None`: leave as is) and store the span again, under the
        same rules as any write; a new `output` brings its token counts, if it reports any."""
        stored = self.get(session, principal, span_id)
        if session.connection().dialect.name == "postgresql":
            # Read again under the trace's lock: a write beside this one, landing between the
            # first read and this write, would be undone by it (the fields not given here
            # would be written back as they were). SQLite's writers take turns already.
            self.hold_traces(session, principal.account_id, {stored.trace_id})
            found = span_repository.get_many(session.connection(), principal.account_id, [span_id])
            if span_id not in found:
                raise NotFound("span", span_id)
            stored = found[span_id]
        input_tokens, output_tokens = stored.input_tokens, stored.output_tokens
        if changes.output is not None:
            reported_in, reported_out = token_counts(changes.output)
            input_tokens = reported_in if reported_in is not None else input_tokens
            output_tokens = reported_out if reported_out is not None else output_tokens
        write = SpanWrite(
            id=stored.id,
            trace_id=stored.trace_id,
            name=changes.name if changes.name is not None else stored.name,
            start_timestamp=stored.start_timestamp,
            end_timestamp=changes.end_timestamp or stored.end_timestamp,
            parent_id=stored.parent_id,
            group_id=stored.group_id,
            application_interaction_id=stored.application_interaction_id,
            application_variant_id=stored.application_variant_id,
            input=orjson.loads(stored.input),
            output=changes.output if changes.output is not None else orjson.loads(stored.output),
            expected=None if stored.expected is None else orjson.loads(stored.expected),
            metadata=(
                changes.metadata if changes.metadata is not None else orjson.loads(stored.metadata)
            ),
            status=changes.status or cast(SpanStatus, stored.status),
            type=cast(SpanType, stored.type),
            obs_trace_id=stored.obs_trace_id,
            obs_span_id=stored.obs_span_id,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )
        return self.write(session, principal, [write], upsert=True, locate=single_loc)[0]


span_service = SpanService()
