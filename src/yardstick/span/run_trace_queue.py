"""A run's traces, committed with its cells and written as spans behind the run.

The engine's group commit (yardstick.execution.writer) writes, with the cells it commits,
one row of `run_trace_queue` holding the calls of those of them that called a model
(`enqueue`): a crash never leaves a cell without its calls, nor calls without their cell.
Writing them as spans there (payloads serialized and redacted, a row per span, the metadata
index rows, the text index's queue) cost ~110 µs of CPU per cell, on the one core that a run
at 256 calls in flight already needs all of: it slowed such a run by 42 %. A cell's share of
the queue row is its calls' JSON, a few µs.

The worker's loop (yardstick.span.backlog, paced by PACING) writes the rows as spans once this
process has queued none for a moment, or past a backlog bound, a batch per transaction: a
batch's spans are written and its rows deleted in the same transaction, so every row becomes
its spans exactly once. On PostgreSQL each process's loop skips rows another one has locked.

Reads come after the queue: `catch_up` writes an account's waiting rows before a read of its
spans (retrieve, search, the assessments' span checks, the UI's traces), so whatever a read
asks, a committed cell's calls are there as spans.
"""

import logging
from collections.abc import Sequence
from datetime import datetime
from itertools import groupby

import orjson
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from yardstick.db.engine import WRITE_OPTION
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.models import RunTraceEntry
from yardstick.span.backlog import Backlog, Pacing, holds_rows, in_a_transaction
from yardstick.span.calls import CallRecord
from yardstick.span.driver import mark
from yardstick.span.records import SYSTEM_USER_ID, SpanWrite
from yardstick.span.repository import span_repository
from yardstick.span.rules import batch_loc, winners
from yardstick.span.run_traces import TracedCell, trace_spans
from yardstick.span.stored import prepare

log = logging.getLogger(__name__)
# Cells a transaction writes as spans (~2,000 spans, ~0.2 s under the write lock), and the most
# cells left waiting while this process writes: what a read may have to catch up on (~3 s).
# A 10,000-item run queues 10,000, whatever its rows (~60 cells a commit at 256 calls in
# flight, a few at 32).
PACING = Pacing(quiet_seconds=0.5, max_backlog=30_000, batch=1000)


def enqueue(connection: Connection, account_id: str, cells: Sequence[TracedCell]) -> None:
    """Queue the account's traced cells in the caller's transaction (the cells' own commit):
    one row, whatever their number, so a cell's share is its calls' JSON."""
    if not cells:
        return
    connection.exec_driver_sql(
        "INSERT INTO run_trace_queue (account_id, cell_count, cells) VALUES ({m}, {m}, {m})".format(
            m=mark(connection)
        ),
        (account_id, len(cells), orjson.dumps(cells)),
    )
    BACKLOG.queued(len(cells))


def _cells(stored: bytes) -> list[TracedCell]:
    """A row's cells, as `enqueue` wrote them."""
    cells = []
    for cell in orjson.loads(stored):
        calls = []
        for call in cell["calls"]:
            call["started_at"] = datetime.fromisoformat(call["started_at"])
            call["ended_at"] = datetime.fromisoformat(call["ended_at"])
            calls.append(CallRecord(**call))
        cell["calls"] = calls
        cell["item_started_at"] = datetime.fromisoformat(cell["item_started_at"])
        cell["finished_at"] = datetime.fromisoformat(cell["finished_at"])
        cells.append(TracedCell(**cell))
    return cells


def _readable(seq: int, stored: bytes) -> list[TracedCell]:
    """The row's cells; none, logged, when this version cannot read it (written by another
    one, or damaged): such a row is dropped with the others, not left to fail every read of
    its account's spans."""
    try:
        return _cells(stored)
    except (ValueError, TypeError, KeyError) as exc:
        log.error("dropped run trace queue row %d, unreadable: %r", seq, exc)
        return []


def write_queued(
    connection: Connection, limit: int, *, account_id: str | None = None, wait: bool = False
) -> int:
    """Write the oldest queued rows (the account's, or anyone's) as spans, as many as hold
    `limit` cells (at least one row), and delete them; how many cells were taken, so fewer
    than `limit` means none are left. On PostgreSQL rows another transaction is writing are
    skipped, or with `wait` waited for (and then found gone)."""
    query = select(RunTraceEntry.seq, RunTraceEntry.cell_count)
    if account_id is not None:
        query = query.where(RunTraceEntry.account_id == account_id)
    # Every row holds a cell at least: `limit` rows are enough.
    query = query.order_by(RunTraceEntry.seq).limit(limit)
    heads = connection.execute(query.with_for_update(skip_locked=not wait)).all()
    chosen, taken = [], 0
    for seq, count in heads:
        if taken >= limit:
            break
        chosen.append(seq)
        taken += count
    if not chosen:
        return 0
    rows = connection.execute(
        select(RunTraceEntry.seq, RunTraceEntry.account_id, RunTraceEntry.cells)
        .where(RunTraceEntry.seq.in_(chosen))
        .order_by(RunTraceEntry.seq)
    ).all()
    for account, group in groupby(sorted(rows, key=lambda r: r.account_id), lambda r: r.account_id):
        cells = [cell for row in group for cell in _readable(row.seq, row.cells)]
        spans = trace_spans(cells)
        _enclose_stored_roots(connection, account, spans)
        write_run_spans(connection, account, spans)
    connection.execute(delete(RunTraceEntry).where(RunTraceEntry.seq.in_(chosen)))
    return taken


def _enclose_stored_roots(connection: Connection, account_id: str, spans: list[SpanWrite]) -> None:
    """Widen each root (the spans without a parent) to the times of its stored copy: a later
    run of the item (a task added, a retry) writes its root again, which must still enclose
    the calls of the runs before it."""
    roots = {span.id: span for span in spans if span.parent_id is None}
    for span_id, stored in span_repository.get_many(connection, account_id, roots).items():
        root = roots[span_id]
        root.start_timestamp = min(root.start_timestamp, stored.start_timestamp)
        if root.end_timestamp is not None and stored.end_timestamp is not None:
            root.end_timestamp = max(root.end_timestamp, stored.end_timestamp)


def write_run_spans(
    connection: Connection,
    account_id: str,
    spans: Sequence[SpanWrite],
    *,
    created_by_user_id: str = SYSTEM_USER_ID,
) -> None:
    """Store the engine's spans of a run in the caller's transaction: insert-or-replace by id
    (a retried commit, or a resumed chunk's roots, write the same ids again), a completed span
    kept over an in-progress one, and a stored span of another trace left as it is. Trusted
    input: no checks of lengths, times, parents or cycles."""
    kept = winners(spans, upsert=True, locate=batch_loc)
    prepared = [
        prepare(spans[index], account_id=account_id, user_id=created_by_user_id)
        for index in kept.values()
    ]
    span_repository.write(
        connection,
        prepared,
        upsert=True,
        now=utcnow(),
        replaced=[p.span.id for p in prepared],
    )


BACKLOG = Backlog(
    "writing run traces",
    PACING,
    pending=holds_rows("run_trace_queue"),
    take=in_a_transaction(write_queued),
)


async def run_trace_loop(sessions: SessionFactory) -> None:
    """Write the queue as spans behind this process's runs (see the module's docstring)."""
    await BACKLOG.loop(sessions)


def catch_up(session: Session, account_id: str) -> None:
    """Before a read of the account's spans in `session`: write its queued rows as spans. In
    a write session they are written in its transaction; a read session's are written in
    transactions of their own, and its snapshot is then let go (a commit, which expires
    nothing), so its next statement sees them. Costs one indexed read when none wait."""
    connection = session.connection()
    waiting = connection.execute(
        select(RunTraceEntry.seq).where(RunTraceEntry.account_id == account_id).limit(1)
    ).first()
    if waiting is None:
        return
    if connection.get_execution_options().get(WRITE_OPTION, False):
        while write_queued(connection, PACING.batch, account_id=account_id, wait=True):
            pass
        return
    writes = session.get_bind().execution_options(**{WRITE_OPTION: True})
    while True:
        with Session(writes) as writer, writer.begin():
            taken = write_queued(
                writer.connection(), PACING.batch, account_id=account_id, wait=True
            )
        if taken < PACING.batch:
            break
    session.commit()
