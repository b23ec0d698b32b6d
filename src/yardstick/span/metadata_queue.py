"""SQLite's span metadata index (`span_metadata_values`), written behind the spans.

A write on SQLite does not write a span's index rows: it queues the span's row (`seq`) in
`span_metadata_queue`, and `drain` (the worker's `metadata_index_loop`, paced by
yardstick.span.backlog as the text index is) rewrites the index rows of the queued spans from
what is stored, thousands to a transaction. Written with each span, they were the largest part
of a write after the span's own row: the index's primary key is in search order, so a span's
rows land apart from one another (`PUT /v5/spans/batch` with ids that count up, within one
hour on one machine: 6,200–7,100 spans/s with them, 7,700–9,100 with them written behind,
where a transaction of thousands costs less than half as much a span).

A search that filters on metadata reads where its account's rows are exact (`exact`): in its
own snapshot when none of its spans waits there, else in a write transaction that first
rewrites them. So a new span's missing rows and a replaced span's stale ones never reach it.
A row leaves the queue only in the transaction that rewrites its span's index rows.
PostgreSQL writes the index rows with the span, as before: it has no queue.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import orjson
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from yardstick.db.engine import WRITE_OPTION
from yardstick.db.session import SessionFactory
from yardstick.span import metadata_index
from yardstick.span.backlog import Backlog, Pacing, holds_rows, in_a_transaction
from yardstick.span.driver import CHUNK

# Spans a drain transaction rewrites: the write lock is then held for tens of ms.
DRAIN_BATCH = 2000
# A metadata search during a burst rewrites its account's queued spans first: the backlog bound
# is also a bound on what that search waits for (~1 s at 50,000).
PACING = Pacing(quiet_seconds=0.5, max_backlog=50_000, batch=DRAIN_BATCH)


def queue(connection: Connection, account_id: str, seqs: Sequence[int]) -> None:
    """Queue the rows of spans just written, in the writer's transaction. REPLACE: a row left
    by a deleted span whose `seq` SQLite gave again belongs to the new span's account now."""
    if seqs:
        # One statement, not a row at a time (see yardstick.span.repository's inserts).
        connection.exec_driver_sql(
            "INSERT OR REPLACE INTO span_metadata_queue (seq, account_id) "
            "SELECT value, ? FROM json_each(?)",
            (account_id, orjson.dumps(seqs).decode()),
        )
        BACKLOG.queued(len(seqs))


def _entries(metadata: str) -> list[tuple[str, str]]:
    parsed = orjson.loads(metadata)
    # Every write stores an object; a row from elsewhere holding another value has no entries,
    # rather than stopping the queue at it.
    return metadata_index.entries(parsed) if isinstance(parsed, dict) else []


def drain(
    connection: Connection, limit: int = DRAIN_BATCH, *, account_id: str | None = None
) -> int:
    """Rewrite the index rows of up to `limit` queued spans (the account's only, if given),
    oldest first, and take them out of the queue; how many were taken. A queued row whose
    span is gone is only taken out."""
    where = "" if account_id is None else "WHERE q.account_id = ? "
    rows = connection.exec_driver_sql(
        "SELECT q.seq, s.account_id, s.id, s.start_timestamp, s.metadata "
        f"FROM span_metadata_queue q LEFT JOIN spans s ON s.seq = q.seq {where}"
        "ORDER BY q.seq LIMIT ?",
        (limit,) if account_id is None else (account_id, limit),
    ).all()
    seqs = [row[0] for row in rows]
    for start in range(0, len(seqs), CHUNK):
        chunk = tuple(seqs[start : start + CHUNK])
        marks = ", ".join("?" * len(chunk))
        connection.exec_driver_sql(
            f"DELETE FROM span_metadata_values WHERE span_seq IN ({marks})", chunk
        )
        connection.exec_driver_sql(f"DELETE FROM span_metadata_queue WHERE seq IN ({marks})", chunk)
    # The stored text is what the index holds: a redacted value, never the credential.
    entries = [
        (account, key, value, start, span_id, seq)
        for seq, account, span_id, start, metadata in rows
        if metadata is not None
        for key, value in _entries(metadata)
    ]
    if entries:
        connection.exec_driver_sql(
            "INSERT INTO span_metadata_values "
            "(account_id, key, value, start_timestamp, span_id, span_seq) VALUES (?, ?, ?, ?, ?, ?)",
            entries,
        )
    return len(rows)


@contextmanager
def exact(session: Session, account_id: str) -> Iterator[Session]:
    """For a metadata search of the account's spans (SQLite): a session in which the account's
    index rows are exact for the whole of its transaction.

    That is `session` itself when its snapshot holds none of the account's spans in the queue:
    a row leaves the queue only in the transaction that rewrites its span's index rows, so every
    span of that snapshot has its exact rows. A session that writes first rewrites the queued
    ones itself (writers take turns). Otherwise they are rewritten in a write transaction of
    their own, in which the caller then reads; it commits when the caller is done. Rewriting
    them first and reading in a new snapshot after was not enough: a span replaced in between
    kept its old rows for that read, and the search answered it by its old value."""
    connection = session.connection()
    if connection.get_execution_options().get(WRITE_OPTION, False):
        _drain_account(connection, account_id)
        yield session
        return
    waiting = connection.exec_driver_sql(
        "SELECT 1 FROM span_metadata_queue WHERE account_id = ? LIMIT 1", (account_id,)
    ).first()
    if waiting is None:
        yield session
        return
    writes = session.get_bind().execution_options(**{WRITE_OPTION: True})
    with Session(writes) as writer, writer.begin():
        _drain_account(writer.connection(), account_id)
        yield writer


def _drain_account(connection: Connection, account_id: str) -> None:
    while True:
        taken = drain(connection, account_id=account_id)
        BACKLOG.taken(taken)
        if taken < DRAIN_BATCH:
            return


BACKLOG = Backlog(
    "span metadata indexing",
    PACING,
    pending=holds_rows("span_metadata_queue"),
    take=in_a_transaction(drain),
)


async def metadata_index_loop(sessions: SessionFactory) -> None:
    """Rewrite the queued spans' index rows as the queue fills (SQLite only), behind this
    process's writes (see `yardstick.span.backlog`)."""
    if sessions.engine.dialect.name != "sqlite":
        return
    await BACKLOG.loop(sessions)
