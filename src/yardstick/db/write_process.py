"""SQLite's group commit (yardstick.db.group_commit) in a process of its own.

One process ran the API on its event loop's thread and the group commit on a writer thread,
and the two took turns at the GIL: sqlite3 lets it go around each call, and the writer waited
for it back about a third of its time while the loop parsed the next requests (the writer busy
95 % of a run and on the CPU for 65 % of that). In a process of its own the writer waits for
nobody, and the two use both cores: `./dev bench spans` took 13,421 spans/s through `PUT
/v5/spans/batch` and 11,473 through OTLP, against 9,005 and 8,105 with the writer thread in the
same run ((a), (b) and (i)).

The API process (`WriteProcess`) sends each job, its `work` pickled, over a socket pair; the
write process (`python -m yardstick.db.write_process`) takes every job waiting, writes them as
one group (yardstick.db.group_write) and sends back each one's result or error. Work must
pickle, so it is a module's function with its arguments (`functools.partial`). The rows its
writes queued for the index loops (yardstick.span.backlog) are reported back too: the loops
run in the API process, and wait while spans come in there.

The write process exits when its socket closes: when the API process closes it, or dies. If the
write process dies, the jobs it held are answered 503 (sent again, an upsert writes the same
spans; a create that had committed is then a 409), and the next job starts another.
"""

import asyncio
import importlib
import itertools
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from yardstick.db.group_write import MOST
from yardstick.errors import AppError, Unavailable
from yardstick.ops.logs import LogFormat
from yardstick.span.backlog import report_queued, take_queued

log = logging.getLogger(__name__)

T = TypeVar("T")

# What the write process says once it can write.
_READY = "ready"
# A job's message: its id in this many bytes, then its work pickled.
_ID_BYTES = 8
# Seconds the write process has to start, and to finish its jobs when closed.
START_SECONDS = 60
STOP_SECONDS = 30


def _frame(payload: bytes) -> bytes:
    # multiprocessing.connection's framing, which the write process reads: the length first
    # (past 2 GiB, -1 and the length in 8 bytes).
    if len(payload) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


@dataclass(frozen=True, slots=True)
class _Start:
    """What the write process is told first: the database, how to log, and the modules its
    work comes from (imported before it says it is ready: the ORM's models alone took ~0.7 s,
    which the first request waited for)."""

    database_url: str
    log_format: LogFormat
    worker: str
    preload: tuple[str, ...]


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack("!i", await reader.readexactly(4))
    if size == -1:  # past 2 GiB, the length follows in 8 bytes
        (size,) = struct.unpack("!Q", await reader.readexactly(8))
    return await reader.readexactly(size)


@dataclass(eq=False)
class _Child:
    """One write process, and the jobs sent to it that it has not answered."""

    process: subprocess.Popen[bytes]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    waiting: dict[int, "asyncio.Future[Any]"] = field(default_factory=dict)
    lost: bool = False
    reading: "asyncio.Task[None] | None" = None


class WriteProcess:
    """The API process's end: `run` sends work to the write process and awaits its outcome.

    Its socket is read and written on the event loop (asyncio streams). Threads to send and
    to read each cost a turn at the GIL a job, which took ~20 % of the throughput."""

    def __init__(
        self,
        database_url: str,
        *,
        log_format: LogFormat,
        worker: str,
        preload: tuple[str, ...] = (),
    ) -> None:
        """`log_format` and `worker`: the server's (YARDSTICK_LOG_FORMAT, YARDSTICK_WORKER_ID),
        which the write process's log lines carry too; `preload`: the modules of its work."""
        self._start = _Start(database_url, log_format, worker, preload)
        self._child: _Child | None = None
        self._ids = itertools.count()
        self._starting: asyncio.Lock | None = None
        self._closed = False

    async def start(self) -> None:
        """Start the write process, and return once it can write (a second or so)."""
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if self._child is None or self._child.lost:
                self._child = await self._spawn()

    @property
    def pid(self) -> int | None:
        return None if self._child is None else self._child.process.pid

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)`'s result once committed; its error (nothing of it committed), or
        Unavailable when the write process died before it answered."""
        child = self._child
        if child is None or child.lost:
            if self._closed:
                raise Unavailable("the server is stopping; retry the request")
            try:
                await self.start()
            except Exception as error:
                log.exception("the write process could not be started again")
                raise Unavailable("the write process could not start; retry the request") from error
            child = self._child
            assert child is not None
        job_id = next(self._ids)
        message = job_id.to_bytes(_ID_BYTES) + pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        # No await since `lost` was read: the reading task answers every job it finds here.
        child.waiting[job_id] = future
        try:
            child.writer.write(_frame(message))
            await child.writer.drain()  # waits only while the write process is behind
        except ConnectionError:
            pass  # it is gone: the reading task answers the job (Unavailable)
        return await future

    async def close(self) -> None:
        """Let the write process write what it was sent, then end it."""
        self._closed = True
        child = self._child
        if child is None:
            return
        if not child.lost:
            child.writer.write_eof()  # the write process writes its jobs, then exits
        try:
            await asyncio.to_thread(child.process.wait, STOP_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("the write process did not stop in %s s; killing it", STOP_SECONDS)
            child.process.kill()
        if child.reading is not None:
            await child.reading

    async def _spawn(self) -> _Child:
        ours, theirs = socket.socketpair()
        with theirs:
            process = await asyncio.to_thread(
                subprocess.Popen,
                [
                    sys.executable,
                    "-m",
                    "yardstick.db.write_process",
                    str(theirs.fileno()),
                    str(os.getpid()),
                ],
                pass_fds=[theirs.fileno()],
            )
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        try:
            writer.write(_frame(pickle.dumps(self._start)))
            ready = await asyncio.wait_for(_read_frame(reader), START_SECONDS)
            if pickle.loads(ready) != _READY:
                raise RuntimeError(f"the write process said {pickle.loads(ready)!r}")
        except BaseException:
            process.kill()
            writer.close()
            await asyncio.to_thread(process.wait)
            raise
        child = _Child(process, reader, writer)
        child.reading = asyncio.create_task(self._read(child))
        log.info("write process %d started", process.pid)
        return child

    async def _read(self, child: _Child) -> None:
        try:
            while True:
                kind, *rest = pickle.loads(await _read_frame(child.reader))
                if kind == "queued":
                    report_queued(rest[0])
                    continue
                job_id, ok, value = rest
                future = child.waiting.pop(job_id)
                if future.cancelled():  # its client went away
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        child.lost = True
        waiting, child.waiting = child.waiting, {}
        child.writer.close()
        code = await asyncio.to_thread(child.process.wait)
        if not self._closed:
            log.error(
                "write process %d exited (%s); %d requests lost",
                child.process.pid,
                code,
                len(waiting),
            )
        error = Unavailable("the write process stopped before it answered; retry the request")
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)


def _sendable(error: BaseException) -> BaseException:
    """`error` as it can cross to the API process: with its traceback, as a note, when it is
    not one of ours (those say all they mean); a stand-in when it does not pickle."""
    if not isinstance(error, AppError):
        error.add_note("in the write process:\n" + "".join(traceback.format_exception(error)))
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any error must reach its request
        return RuntimeError("".join(traceback.format_exception(error)))
    return error


@dataclass(slots=True)
class _Broken:
    """The work of a job that did not unpickle: it fails alone, with the reason."""

    error: BaseException

    def __call__(self, session: Session) -> None:
        raise self.error


def _job(data: bytes) -> tuple[int, Callable[[Session], Any]]:
    job_id = int.from_bytes(data[:_ID_BYTES])
    try:
        return job_id, pickle.loads(memoryview(data)[_ID_BYTES:])
    except Exception as error:  # noqa: BLE001 - reaches its request as any error does
        return job_id, _Broken(error)


def _group(connection: Connection) -> list[tuple[int, Callable[[Session], Any]]]:
    """The next jobs: the first to come, and what else is waiting (MOST in all); none once
    the socket has closed. Read by the writing thread itself: a reading thread beside it took
    the GIL from it at every job, as the API's event loop did."""
    group: list[tuple[int, Callable[[Session], Any]]] = []
    try:
        group.append(_job(connection.recv_bytes()))
        while len(group) < MOST and connection.poll(0):
            group.append(_job(connection.recv_bytes()))
    except (EOFError, OSError):
        pass  # those read are written; the next call reads the end again
    return group


def main(fd: int, parent_pid: int) -> None:
    from yardstick.db.checkpointer import start_checkpointer
    from yardstick.db.engine import create_db_engine
    from yardstick.db.group_write import Job, write_group
    from yardstick.db.session import SessionFactory
    from yardstick.kit.parent_watch import exit_without
    from yardstick.ops.logs import configure_logging

    # Ctrl-C reaches the whole process group, and a service manager may signal every process
    # of the server: the write process still writes what the server sends while it drains,
    # and ends when the server closes its socket. That socket closes when the API process
    # dies too, unless a process it forked holds a copy: the watch backs that up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    exit_without(parent_pid)
    connection = Connection(fd)
    start: _Start = connection.recv()
    configure_logging(log_format=start.log_format, worker=start.worker)
    for module in start.preload:
        importlib.import_module(module)
    sessions = SessionFactory(create_db_engine(start.database_url))
    # Its own commits are what need checkpoints: the API process's checkpointer hears only
    # of that process's commits, and without one this process copied the WAL into the
    # database inside its commits (a tenth of its time under span ingest).
    checkpointer = start_checkpointer(sessions.engine)
    connection.send(_READY)
    while group := _group(connection):
        done = [Job(work, []) for _, work in group]
        write_group(sessions, done)
        queued = take_queued()
        if queued:
            connection.send(("queued", queued))
        for (job_id, _), job in zip(group, done, strict=True):
            if job.error is None:
                try:
                    connection.send(("done", job_id, True, job.result))
                    continue
                except (pickle.PicklingError, TypeError, AttributeError) as error:
                    job.error = error
            connection.send(("done", job_id, False, _sendable(job.error)))
    if checkpointer is not None:
        checkpointer.close()
    sessions.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
