"""A group of requests' writes in one transaction, a savepoint each: the core of the group
commit (yardstick.db.group_commit), run by its writer thread or its write process
(yardstick.db.write_process)."""

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yardstick.db.session import CommitHook, SessionFactory, hooked_transaction

log = logging.getLogger(__name__)

T = TypeVar("T")
U = TypeVar("U")

# Requests a transaction holds at most: SQLite's write lock is then held for tens of ms.
MOST = 16


@dataclass(slots=True, eq=False)
class Job(Generic[T]):
    """A request's write: its work and commit hooks, then what came of it."""

    work: Callable[[Session], T]
    hooks: list[CommitHook]
    result: Any = None
    error: BaseException | None = None


def _core_savepoint(session: Session, job: Job[Any]) -> None:
    """The job inside a savepoint of plain SQL: a fifth of what `begin_nested` costs, which
    was ~4 µs a span of a 50-span batch. For work that writes through the connection (the
    span routes); rows it left to the ORM are flushed inside the savepoint, and a flush that
    fails spoils the session: the group's jobs are then written alone."""
    connection = session.connection()
    connection.exec_driver_sql("SAVEPOINT group_job")
    try:
        job.result = job.work(session)
        session.flush()
    except BaseException:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT group_job")
        connection.exec_driver_sql("RELEASE SAVEPOINT group_job")
        raise
    connection.exec_driver_sql("RELEASE SAVEPOINT group_job")


def _write_savepoint(session: Session, job: Job[Any]) -> None:
    if not job.hooks:
        _core_savepoint(session, job)
        return
    try:
        # The hooks add ORM rows: SQLAlchemy's savepoint, which also undoes the session's
        # state when the flush fails.
        with session.begin_nested():
            job.result = job.work(session)
            for hook in job.hooks:
                hook.before_commit(session)
    except IntegrityError as error:
        # Raised as the savepoint flushed the hooks' rows: an Idempotency-Key's twin
        # committed first, and the hook says what to answer.
        for hook in job.hooks:
            hook.on_integrity_error(error)
        raise


def _write_alone(sessions: SessionFactory, job: Job[Any]) -> None:
    job.error = None  # of a group's attempt, rolled back
    try:
        with hooked_transaction(sessions, job.hooks) as session:
            job.result = job.work(session)
    except Exception as error:  # noqa: BLE001 - the request's to answer, as raised
        job.error = error


def write_group(sessions: SessionFactory, jobs: list[Job[Any]]) -> None:
    """The jobs in one transaction, a savepoint each; each job's `result` or `error` set. Where
    the transaction cannot commit, each job is written alone. Never raises: the writer that
    calls it (a thread, a process) must outlive any one group."""
    try:
        _write_group(sessions, jobs)
    except BaseException as error:
        log.exception("a group of writes failed")
        for job in jobs:
            job.error = job.error or error


def _write_group(sessions: SessionFactory, jobs: list[Job[Any]]) -> None:
    if len(jobs) == 1:
        _write_alone(sessions, jobs[0])
        return
    with sessions.write() as session:
        for job in jobs:
            try:
                _write_savepoint(session, job)
            except Exception as error:  # noqa: BLE001 - the request's to answer, as raised
                job.error = error
            if not session.is_active:
                break  # a failed ORM flush spoiled the transaction: nothing more commits
        else:
            try:
                session.commit()
                return
            except Exception as error:  # noqa: BLE001 - each request, alone, meets its own
                log.warning("a group commit failed (%s); its requests go one by one", error)
        session.rollback()
    for job in jobs:
        _write_alone(sessions, job)


def gather(first: U, waiting: "queue.SimpleQueue[U | None]") -> tuple[list[U], bool]:
    """`first` and what else waits in `waiting`, MOST in all; and whether a None (stop) was
    among them. A group never waits for more to arrive."""
    group = [first]
    while len(group) < MOST:
        try:
            more = waiting.get_nowait()
        except queue.Empty:
            break
        if more is None:
            return group, True
        group.append(more)
    return group, False
