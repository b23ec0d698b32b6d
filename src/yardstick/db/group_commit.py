"""Concurrent requests' writes, committed together on SQLite: one transaction, a savepoint each.

A tracing library or an OpenTelemetry exporter sends spans in many small requests at once (the
SGP client's batches are 50 spans). Each request in its own transaction paid for a session, a
`BEGIN IMMEDIATE`, a commit and its page writes, and a trip through the thread pool, per 50
spans; SQLite's writers take turns anyway. Here one writer thread per process takes every
request waiting when it is free and writes them in one transaction, each inside a savepoint of
its own, so a request that fails (a 409 of the rules, an id another request took) rolls back
alone and the others commit. A request never waits for others to arrive: a group is whatever
queued while the previous one was being written.

All or nothing still holds per request. The request's commit hooks (an `Idempotency-Key`'s
row) are written inside its savepoint, so they commit exactly when its work does. When the one
commit fails, or a failed ORM flush spoils the transaction (savepoints take every other error
of a request's own making), each request of the group is written again in a transaction of
its own, so the error reaches only the request that causes it.
"""

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yardstick.db.session import COMMIT_HOOKS, CommitHook, SessionFactory, hooked_transaction

log = logging.getLogger(__name__)

T = TypeVar("T")

# Requests a transaction holds at most: SQLite's write lock is then held for tens of ms.
MOST = 16


@dataclass(slots=True, eq=False)
class _Job(Generic[T]):
    work: Callable[[Session], T]
    hooks: list[CommitHook]
    loop: asyncio.AbstractEventLoop
    future: "asyncio.Future[T]"
    result: Any = None
    error: BaseException | None = None


def _settle(job: _Job[Any]) -> None:
    # On the job's event loop. A request whose client went away was cancelled: nobody waits.
    if job.future.cancelled():
        return
    if job.error is not None:
        job.future.set_exception(job.error)
    else:
        job.future.set_result(job.result)


def _core_savepoint(session: Session, job: _Job[Any]) -> None:
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


class GroupCommit:
    """The span routes' writes of one SessionFactory: on SQLite through a writer thread
    (started at its first job), on PostgreSQL each in its own transaction in the thread pool."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        # PostgreSQL's writers run side by side, and each statement waits on the network: one
        # writer for them all halved span ingest there (1,600-1,700 against 2,600-3,100 spans/s
        # through `PUT /v5/spans/batch`), so each request writes in a transaction of its own.
        self.shared = sessions.engine.dialect.name == "sqlite"
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def run(self, request: Request, work: Callable[[Session], T]) -> T:
        """`work(session)`'s result once it is committed, with the request's commit hooks;
        its error (nothing of it committed) otherwise."""
        loop = asyncio.get_running_loop()
        hooks: list[CommitHook] = getattr(request.state, COMMIT_HOOKS, [])
        if not self.shared:

            def alone() -> T:
                with hooked_transaction(self.sessions, hooks) as session:
                    return work(session)

            return await run_in_threadpool(alone)
        job: _Job[T] = _Job(work, list(hooks), loop, loop.create_future())
        self._ensure_thread()
        self._jobs.put(job)
        return await job.future

    @staticmethod
    def of(request: Request) -> "GroupCommit":
        """The application's (yardstick.main makes one)."""
        group: GroupCommit = request.app.state.group_commit
        return group

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            thread.join()
            self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start:
            if self._thread is None:
                thread = threading.Thread(target=self._loop, name="yardstick-group-commit")
                thread.daemon = True
                thread.start()
                self._thread = thread

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._jobs.get()
            if first is None:
                return
            jobs = [first]
            while len(jobs) < MOST:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                jobs.append(more)
            try:
                self._write(jobs)
            except BaseException as error:  # the thread must outlive any one group
                log.exception("a group of writes failed")
                for job in jobs:
                    job.error = job.error or error
            for job in jobs:
                with contextlib.suppress(RuntimeError):  # its event loop is closed: none waits
                    job.loop.call_soon_threadsafe(_settle, job)

    def _write(self, jobs: list[_Job[Any]]) -> None:
        if len(jobs) == 1:
            self._write_alone(jobs[0])
            return
        with self.sessions.write() as session:
            for job in jobs:
                try:
                    self._write_savepoint(session, job)
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
            self._write_alone(job)

    @staticmethod
    def _write_savepoint(session: Session, job: _Job[Any]) -> None:
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

    def _write_alone(self, job: _Job[Any]) -> None:
        job.error = None  # of a group's attempt, rolled back
        try:
            with hooked_transaction(self.sessions, job.hooks) as session:
                job.result = job.work(session)
        except Exception as error:  # noqa: BLE001 - the request's to answer, as raised
            job.error = error
