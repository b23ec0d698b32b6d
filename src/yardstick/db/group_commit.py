"""Concurrent requests' writes, committed together on SQLite: one transaction, a savepoint each.

A tracing library or an OpenTelemetry exporter sends spans in many small requests at once (the
SGP client's batches are 50 spans). Each request in its own transaction paid for a session, a
`BEGIN IMMEDIATE`, a commit and its page writes, and a trip through the thread pool, per 50
spans; SQLite's writers take turns anyway. Here one writer per process takes every request
waiting when it is free and writes them in one transaction, each inside a savepoint of its own
(yardstick.db.group_write), so a request that fails (a 409 of the rules, an id another request
took) rolls back alone and the others commit. A request never waits for others to arrive: a
group is whatever queued while the previous one was being written. The writer is a process of
its own (yardstick.db.write_process), or a thread of this one for a request with commit hooks
and without the write process.

All or nothing still holds per request. The request's commit hooks (an `Idempotency-Key`'s
row) are written inside its savepoint, so they commit exactly when its work does. When the one
commit fails, or a failed ORM flush spoils the transaction (savepoints take every other error
of a request's own making), each request of the group is written again in a transaction of
its own, so the error reaches only the request that causes it.
"""

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yardstick.db.group_write import Job, gather, write_group
from yardstick.db.session import COMMIT_HOOKS, CommitHook, SessionFactory, hooked_transaction
from yardstick.db.write_process import WriteProcess
from yardstick.ops.logs import LogFormat

T = TypeVar("T")


@dataclass(slots=True, eq=False)
class _Waiting(Generic[T]):
    job: Job[T]
    loop: asyncio.AbstractEventLoop
    future: "asyncio.Future[T]"


def _settle(waiting: _Waiting[Any]) -> None:
    # On the job's event loop. A request whose client went away was cancelled: nobody waits.
    if waiting.future.cancelled():
        return
    job = waiting.job
    if job.error is not None:
        waiting.future.set_exception(job.error)
    else:
        waiting.future.set_result(job.result)


class GroupCommit:
    """The span routes' writes of one SessionFactory. On SQLite through a writer process
    (yardstick.db.write_process) once `start_process` has started it, or a writer thread (started at
    its first job); on PostgreSQL each in its own transaction in the thread pool.

    A request with commit hooks (an `Idempotency-Key`) is written in this process: its hook
    keeps state the middleware reads after the commit."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        # PostgreSQL's writers run side by side, and each statement waits on the network: one
        # writer for them all halved span ingest there (1,600-1,700 against 2,600-3,100 spans/s
        # through `PUT /v5/spans/batch`), so each request writes in a transaction of its own.
        self.shared = sessions.engine.dialect.name == "sqlite"
        self.process: WriteProcess | None = None
        self._jobs: queue.SimpleQueue[_Waiting[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def start_process(
        self, *, log_format: LogFormat, worker: str, preload: tuple[str, ...] = ()
    ) -> None:
        """SQLite: write hook-less jobs in a process of its own from now on (once it is up, a
        second or so, with the modules of its work, `preload`, imported); it logs as this
        process does."""
        if self.shared and self.process is None:
            url = self.sessions.engine.url.render_as_string(hide_password=False)
            process = WriteProcess(url, log_format=log_format, worker=worker, preload=preload)
            await process.start()
            self.process = process

    async def run(self, request: Request, work: Callable[[Session], T]) -> T:
        """`work(session)`'s result once it is committed, with the request's commit hooks;
        its error (nothing of it committed) otherwise. With a write process, `work` must
        pickle: a module's function and its arguments (`functools.partial`)."""
        loop = asyncio.get_running_loop()
        hooks: list[CommitHook] = getattr(request.state, COMMIT_HOOKS, [])
        if not self.shared:

            def alone() -> T:
                with hooked_transaction(self.sessions, hooks) as session:
                    return work(session)

            return await run_in_threadpool(alone)
        if self.process is not None and not hooks:
            return await self.process.run(work)
        waiting: _Waiting[T] = _Waiting(Job(work, list(hooks)), loop, loop.create_future())
        self._ensure_thread()
        self._jobs.put(waiting)
        return await waiting.future

    @staticmethod
    def of(request: Request) -> "GroupCommit":
        """The application's (yardstick.main makes one)."""
        group: GroupCommit = request.app.state.group_commit
        return group

    async def close(self) -> None:
        """Write what is queued, then stop the thread and the process."""
        thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            await asyncio.to_thread(thread.join)
            self._thread = None
        if self.process is not None:
            await self.process.close()
            self.process = None

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
            group, stopping = gather(first, self._jobs)
            write_group(self.sessions, [waiting.job for waiting in group])
            for waiting in group:
                with contextlib.suppress(RuntimeError):  # its event loop is closed: none waits
                    waiting.loop.call_soon_threadsafe(_settle, waiting)
