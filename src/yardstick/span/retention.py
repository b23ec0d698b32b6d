"""`YARDSTICK_SPAN_RETENTION_DAYS`: spans older than that are deleted by a periodic sweep.

Age is the span's `start_timestamp`. The sweep deletes, per account, at most `BATCH` spans per
transaction (oldest first, through the (account, start) index), so it never holds SQLite's write
lock or PostgreSQL's row locks for long, and then yields to other writers before the next batch.
With each span go its metadata index rows (a cascade), its SQLite full-text entry or place in
the text index's queue (yardstick.span.text_index.forget) and its assessments.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, select

from yardstick.config import Settings
from yardstick.db.session import SessionFactory
from yardstick.models import Account, Span, SpanAssessment
from yardstick.span import text_index

log = logging.getLogger(__name__)
BATCH = 1000
# The pause between two batches of one sweep, so other writers get the database in between.
PAUSE_SECONDS = 0.05


def sweep_batch(connection: Connection, account_id: str, cutoff: datetime) -> int:
    """Delete up to BATCH of the account's spans that started before `cutoff`; how many."""
    rows = connection.execute(
        select(Span.seq, Span.id)
        .where(Span.account_id == account_id, Span.start_timestamp < cutoff)
        .order_by(Span.start_timestamp)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    if connection.dialect.name == "sqlite":
        text_index.forget(connection, [row[0] for row in rows])
    ids = [row[1] for row in rows]
    connection.execute(
        delete(SpanAssessment).where(
            SpanAssessment.account_id == account_id, SpanAssessment.span_id.in_(ids)
        )
    )
    connection.execute(delete(Span).where(Span.seq.in_([row[0] for row in rows])))
    return len(rows)


def _accounts(sessions: SessionFactory) -> list[str]:
    with sessions.read() as session:
        return list(session.scalars(select(Account.id)))


def _batch(sessions: SessionFactory, account_id: str, cutoff: datetime) -> int:
    with sessions.write() as session, session.begin():
        return sweep_batch(session.connection(), account_id, cutoff)


async def sweep(sessions: SessionFactory, days: float) -> int:
    """One sweep over every account; how many spans it deleted."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    deleted = 0
    for account_id in await asyncio.to_thread(_accounts, sessions):
        while True:
            count = await asyncio.to_thread(_batch, sessions, account_id, cutoff)
            deleted += count
            if count < BATCH:
                break
            await asyncio.sleep(PAUSE_SECONDS)
    return deleted


async def retention_loop(settings: Settings, sessions: SessionFactory) -> None:
    """Sweep every `span_sweep_seconds` while spans have a retention period."""
    days = settings.span_retention_days
    if days is None:
        return
    while True:
        try:
            deleted = await sweep(sessions, days)
            if deleted:
                log.info("deleted %d spans older than %g days", deleted, days)
        except Exception:  # a database hiccup must not end the sweeps for good
            log.exception("span retention sweep failed; retrying at the next one")
        await asyncio.sleep(settings.span_sweep_seconds)
