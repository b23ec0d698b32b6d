"""The pool of sandbox processes that custom functions run in, and the process-wide instance.

`SandboxPool.call` is what the engine and the dry-run route await: it hands the call to one of
the pool's threads (one per process, so a thread always finds a free process), which sends it to
its process and waits at most the time limit for the reply. Nothing blocks the event loop, and
as many calls run at once as there are processes; the rest queue, first come first served.

Failure modes: every failure is a `SandboxError` for that call only. A process that timed out is
killed; one that died, breached the memory limit or tried something forbidden is replaced; the
next call on that slot starts a new one. The reply of a process is checked again here, because
the process ran untrusted code. `close()` stops every process; later calls fail as unavailable.
"""

import asyncio
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from multiprocessing import get_context
from typing import Any

import orjson

from yardstick.config import get_settings
from yardstick.sandbox import errors
from yardstick.sandbox.errors import SandboxError
from yardstick.sandbox.guards import Limits
from yardstick.sandbox.results import Number, Output, ResultError, check_number
from yardstick.sandbox.worker import SandboxWorker

Result = Number | dict[str, Number]
_REPLY_TYPES = frozenset(
    {
        errors.ERROR,
        errors.TIMEOUT,
        errors.MEMORY_LIMIT,
        errors.SANDBOX_VIOLATION,
        errors.INVALID_RESULT,
        errors.CRASHED,
    }
)


def _result(reply: dict[str, Any], outputs: list[Output] | None) -> Result:
    error = reply.get("error")
    if error is not None:
        if (
            not isinstance(error, dict)
            or error.get("type") not in _REPLY_TYPES
            or not isinstance(error.get("message"), str)
        ):
            raise SandboxError(errors.CRASHED, "the sandbox process sent a malformed reply")
        raise SandboxError(error["type"], error["message"])
    if "value" not in reply:
        raise SandboxError(errors.CRASHED, "the sandbox process sent a malformed reply")
    value = reply["value"]
    try:
        if not outputs:
            return check_number(value)
        aliases = [alias for _, alias in outputs]
        if type(value) is not dict or sorted(value) != sorted(aliases):
            raise ResultError("the sandbox process sent outputs that were not asked for")
        return {alias: check_number(value[alias], f"output {alias!r}") for alias in aliases}
    except ResultError as exc:
        raise SandboxError(errors.INVALID_RESULT, str(exc)) from exc


class SandboxPool:
    def __init__(self, limits: Limits, *, workers: int) -> None:
        self.limits = limits
        self.workers = workers
        self.closed = False
        context = get_context("spawn")  # the server has threads: fork would copy their locks
        self._idle: queue.SimpleQueue[SandboxWorker] = queue.SimpleQueue()
        for _ in range(workers):
            self._idle.put(SandboxWorker(context, limits))
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="sandbox")

    def run(
        self,
        source: str,
        kwargs: dict[str, Any],
        *,
        outputs: list[Output] | None = None,
        not_after: float | None = None,
    ) -> Result:
        """Blocking: the function's result, or SandboxError. `not_after` is a time.monotonic()
        deadline for the call to start by (a dry run's overall budget)."""
        try:
            request = orjson.dumps(
                {
                    "source": source,
                    "kwargs": kwargs,
                    "outputs": outputs,
                    # One second over the wall-clock limit: the kill comes first, this is the net.
                    "cpu_seconds": self.limits.timeout_seconds + 1,
                }
            )
        except TypeError as exc:
            raise SandboxError(errors.ERROR, f"the arguments are not JSON values: {exc}") from exc
        worker = self._idle.get()
        try:
            if self.closed:
                raise SandboxError(errors.UNAVAILABLE, "the sandbox is shut down")
            if not_after is not None and time.monotonic() > not_after:
                raise SandboxError(
                    errors.TIMEOUT, "not run: the time budget ran out before this call started"
                )
            reply = worker.call(request, self.limits.timeout_seconds)
        finally:
            if self.closed:
                worker.kill()
            self._idle.put(worker)
        return _result(reply, outputs)

    async def call(
        self,
        source: str,
        kwargs: dict[str, Any],
        *,
        outputs: list[Output] | None = None,
        not_after: float | None = None,
    ) -> Result:
        """`run` on one of the pool's threads."""
        loop = asyncio.get_running_loop()
        job = partial(self.run, source, kwargs, outputs=outputs, not_after=not_after)
        try:
            return await loop.run_in_executor(self._threads, job)
        except RuntimeError as exc:  # the thread pool is shut down
            if self.closed:
                raise SandboxError(errors.UNAVAILABLE, "the sandbox is shut down") from exc
            raise

    def close(self) -> None:
        """Stop every process (blocking). Calls still running finish and stop theirs."""
        self.closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)
        idle: list[SandboxWorker] = []
        while True:
            try:
                idle.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in idle:
            worker.kill()
            self._idle.put(worker)  # empty now: a later `run` takes it and sees `closed`


_pool: SandboxPool | None = None
_pool_lock = threading.Lock()


def get_sandbox() -> SandboxPool:
    """This process's pool, from the settings (its processes start on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            settings = get_settings()
            limits = Limits(
                timeout_seconds=settings.sandbox_timeout_seconds,
                memory_mb=settings.sandbox_memory_mb,
            )
            _pool = SandboxPool(limits, workers=settings.sandbox_workers)
        return _pool


async def close_sandbox() -> None:
    """Shut this process's pool down, if it was started; the next `get_sandbox` makes a new one."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        await asyncio.to_thread(pool.close)
