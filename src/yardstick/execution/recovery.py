"""Taking over the chunks of a worker that died and is not coming back.

DBOS recovers a process's own unfinished workflows when it launches again with the same
executor id. A worker that never returns would keep its running chunks forever, so every worker
writes a heartbeat row, and each one periodically re-enqueues the PENDING workflows of workers
silent for longer than `worker_dead_after_seconds`. Re-enqueueing is idempotent and cells are
upserts. A silent worker that was only paused is fenced when it wakes: its group commits check
each chunk's lease (yardstick.execution.writer), so it writes nothing for a chunk taken over,
and that chunk ends.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.config import Settings
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.execution.engine import requeue_pending
from yardstick.execution.wake import wake_after_commit
from yardstick.execution.worker_sessions import end_sessions
from yardstick.models import EngineWorker
from yardstick.ops.logs import log_event

log = logging.getLogger(__name__)


def _now(session: Session) -> Any:
    """The time beats are written and judged by. On PostgreSQL the database's (naive UTC, as
    the column holds it): workers on several machines share it, so a live worker whose own
    clock runs behind is not taken for dead every beat. SQLite's workers share one machine."""
    if session.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", func.now())
    return utcnow()


def beat(sessions: SessionFactory, worker_id: str) -> datetime | None:
    """Write this worker's beat; returns its previous one (None on its first)."""
    with sessions.write() as session, session.begin():
        previous = session.scalar(
            select(EngineWorker.last_seen_at).where(EngineWorker.worker_id == worker_id)
        )
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        stmt = insert(EngineWorker).values(worker_id=worker_id, last_seen_at=_now(session))
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["worker_id"], set_={"last_seen_at": stmt.excluded.last_seen_at}
            )
        )
        return previous


def dead_workers(
    sessions: SessionFactory, *, me: str, dead_after: float, since: datetime | None = None
) -> list[str]:
    """The workers silent for longer than `dead_after` before `since`, this worker's previous
    beat (else now). A worker that could not beat (the database away for everyone) saw nobody
    beat meanwhile either: judged from now, every live worker would look dead to the first one
    back, which would take over their chunks and fence out the cells they finished during the
    outage. Judged from its own last beat, only a silence that began before that beat counts."""
    with sessions.read() as session:
        cutoff = (_now(session) if since is None else since) - timedelta(seconds=dead_after)
        stmt = select(EngineWorker.worker_id).where(
            EngineWorker.last_seen_at < cutoff, EngineWorker.worker_id != me
        )
        return list(session.scalars(stmt))


def take_over(sessions: SessionFactory, worker_ids: list[str], dead_after: float) -> None:
    """Re-queue the dead workers' chunks, once their database sessions are ended (their locks
    would hold the re-queue back: see worker_sessions). A worker's heartbeat row goes only once
    none of its chunks is left: a chunk DBOS failed to re-queue (it logs the error and goes on)
    would otherwise be nobody's to look at again, and its run would never end."""
    cleared = []
    # One worker at a time, so the log says how many chunks each one had.
    for worker_id in worker_ids:
        if not _still_silent(sessions, worker_id, dead_after):
            # Back since it was judged dead (restarted under its id, beating again): its
            # chunks are its own again, and re-queueing them would repeat its calls in flight.
            continue
        ended = end_sessions(sessions, worker_id, dead_after)
        chunks = requeue_pending(worker_id)
        # A second pass finds what the first failed to re-queue (the re-queued are no longer
        # the dead worker's), and tries those again; the next beat tries what is still left.
        left = requeue_pending(worker_id)
        log_event(
            "worker.takeover",
            # A worker stopped cleanly leaves its row, and nothing to take: no cause to warn.
            logging.WARNING if chunks or left or ended else logging.INFO,
            dead_worker=worker_id,
            chunks=chunks + left,
            sessions_ended=ended,
        )
        if chunks or left:
            # This worker takes what it has room for at once, and the others hear of them too:
            # an idle worker waited for its 30 s poll while this one was full.
            with sessions.write() as session, session.begin():
                wake_after_commit(session)
        if not left:
            cleared.append(worker_id)
    if cleared:
        with sessions.write() as session, session.begin():
            session.execute(delete(EngineWorker).where(EngineWorker.worker_id.in_(cleared)))


def _still_silent(sessions: SessionFactory, worker_id: str, dead_after: float) -> bool:
    with sessions.read() as session:
        cutoff = _now(session) - timedelta(seconds=dead_after)
        return (
            session.scalar(
                select(EngineWorker.worker_id).where(
                    EngineWorker.worker_id == worker_id, EngineWorker.last_seen_at < cutoff
                )
            )
            is not None
        )


def _beat_and_look(settings: Settings, sessions: SessionFactory) -> list[str]:
    """One trip through the thread pool per beat: most of what an idle worker does."""
    previous = beat(sessions, settings.worker_id)
    return dead_workers(
        sessions,
        me=settings.worker_id,
        dead_after=settings.worker_dead_after_seconds,
        since=previous,
    )


async def heartbeat_loop(settings: Settings, sessions: SessionFactory) -> None:
    """Beat every `heartbeat_seconds`, and take over the workers found dead.

    Beats have a thread of their own: in the loop's default pool (DBOS's), they queued behind
    steps and commits, and a busy worker went silent. A take-over runs beside the beats, in a
    thread of its own too: one that waits (on a paused worker's locks, on DBOS's pool) must not
    silence this worker, or the paused one, woken, would find it silent and take it over."""
    loop = asyncio.get_running_loop()
    beats = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heartbeat")
    take_overs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="take-over")
    taking_over: asyncio.Future[None] | None = None
    try:
        while True:
            try:
                dead = await loop.run_in_executor(beats, _beat_and_look, settings, sessions)
                if dead and (taking_over is None or taking_over.done()):
                    taking_over = loop.run_in_executor(
                        take_overs, _take_over, sessions, dead, settings.worker_dead_after_seconds
                    )
            except Exception:  # a database hiccup must not end the heartbeat for good
                log.exception("heartbeat failed; retrying")
            await asyncio.sleep(settings.heartbeat_seconds)
    finally:
        # A thread still waiting on the database ends with its statement; nothing waits for it.
        beats.shutdown(wait=False, cancel_futures=True)
        take_overs.shutdown(wait=False, cancel_futures=True)


def _take_over(sessions: SessionFactory, dead: list[str], dead_after: float) -> None:
    try:
        take_over(sessions, dead, dead_after)
    except Exception:  # the next beat finds them dead again, and tries again
        log.exception("taking over workers %s failed; retrying", dead)
