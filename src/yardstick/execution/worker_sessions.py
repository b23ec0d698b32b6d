"""A worker's PostgreSQL sessions, named after the worker so that a take-over can end them.

A worker paused (SIGSTOP, a frozen VM) in the middle of a transaction keeps that
transaction's row locks until it wakes. `idle_in_transaction_session_timeout` ends most such
transactions (the group commits', DBOS's), but not all of them: not one whose statement the
server is still sending or receiving, nor those of the worker's other loops (its heartbeat, its
span writer). A take-over that waits on such a lock waits for the paused worker to wake,
however long. So before re-queueing a dead worker's chunks, the take-over ends every session
that worker holds: its locks go at once, and when it wakes, its next statement finds its
connection gone and its commits are fenced.
"""

import hashlib
import logging

from sqlalchemy import text

from yardstick.db.session import SessionFactory

log = logging.getLogger(__name__)

PREFIX = "yardstick worker "
# PostgreSQL keeps 63 bytes of an application_name, and turns characters outside printable
# ASCII into '?': a longer or non-ASCII worker id is named by its hash, so no two ids share a
# name.
_MAX_NAME = 63


def application_name(worker_id: str) -> str:
    """The application_name of the worker's connections, ours and DBOS's."""
    name = PREFIX + worker_id
    if len(name) <= _MAX_NAME and name.isascii() and name.isprintable():
        return name
    return PREFIX + "#" + hashlib.sha256(worker_id.encode()).hexdigest()[:40]


def end_sessions(sessions: SessionFactory, worker_id: str, dead_after: float) -> int:
    """End the sessions of a worker still silent for longer than `dead_after` (PostgreSQL;
    SQLite's workers share one file and no server); how many were ended. Checked again in the
    same statement: a worker restarted under its id since it was judged dead has beaten by
    then, and its new sessions stay. A role not allowed to end them (another role's sessions,
    and no `pg_signal_backend`) is logged, and the take-over goes on without it."""
    if sessions.engine.dialect.name != "postgresql":
        return 0
    try:
        with sessions.write() as session, session.begin():
            return int(
                session.scalar(
                    text(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                        " FROM pg_stat_activity"
                        " WHERE application_name = :name AND pid <> pg_backend_pid()"
                        " AND EXISTS (SELECT FROM engine_workers WHERE worker_id = :id"
                        " AND last_seen_at < timezone('UTC', now()) - make_interval(secs => :after))"
                    ),
                    {"name": application_name(worker_id), "id": worker_id, "after": dead_after},
                )
                or 0
            )
    except Exception as exc:  # noqa: BLE001 - the re-queue may still get through
        log.warning("could not end the sessions of worker %r: %r", worker_id, exc)
        return 0
