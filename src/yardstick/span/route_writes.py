"""The span routes' writes, as work for the group commit (yardstick.db.group_commit).

A route checks and prepares its spans first (`SpanService.prepare`: redaction, JSON text, the
rules that need no database), in its own process; the work stores them. On SQLite the group
commit sends work to its write process (yardstick.db.write_process), so work is a function of
this module with its arguments (`functools.partial`), which pickle, and never a closure; and it
answers only what the route does not know already (`Stored`). The module imports no web
framework: the write process loads it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from yardstick.span import otlp
from yardstick.span.rules import batch_loc
from yardstick.span.service import Batch, Stored, span_service


def write_batch(batch: Batch, upsert: bool, session: Session) -> Stored:
    """`POST` (insert) or `PUT` (upsert) `/v5/spans/batch`."""
    return span_service.store(session, batch, upsert=upsert, locate=batch_loc)


@dataclass(frozen=True, slots=True)
class InExport:
    """Errors of the span service name a span by its place in the OTLP request."""

    places: otlp.SpanPlaces
    start: int

    def __call__(self, index: int, field: str) -> list[str | int]:
        return otlp.span_loc(self.places, self.start + index, field)


def write_export(batches: Sequence[tuple[InExport, Batch]], session: Session) -> None:
    """`POST /v1/traces`: every span upserted, in batches of at most the service's MAX_BATCH
    (a collector may send thousands at once) within the request's one transaction: all or
    nothing still."""
    if not batches:
        return
    traces = {p.span.trace_id for _, batch in batches for p in batch.prepared.values()}
    span_service.hold_traces(session, batches[0][1].account_id, traces)
    for locate, batch in batches:
        span_service.store(session, batch, upsert=True, locate=locate, traces_held=True)
