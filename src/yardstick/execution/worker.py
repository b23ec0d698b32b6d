"""Start and stop the engine inside a process (`serve` without --no-worker, or `worker`).

DBOS must be launched from the running event loop: it then runs queued workflows on that loop,
the same one the API's async endpoints and the provider layer use.

Stopping (SIGTERM, SIGINT) drains first (see `drain`): DBOS stops dequeuing, the cells in flight
finish and are committed within `shutdown_grace_seconds`, and only then do the scorer and sandbox
pools shut down, so the process exits with nothing left running.
"""

import asyncio
import contextlib
import math
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from yardstick.account_secret.vendor_keys import install_vendor_keys
from yardstick.config import Settings
from yardstick.db.checkpointer import start_checkpointer
from yardstick.db.session import SessionFactory
from yardstick.execution import engine, runner
from yardstick.execution.drain import Drain
from yardstick.execution.recovery import beat, heartbeat_loop
from yardstick.execution.wake_watch import WakeWatch
from yardstick.ops.metrics import start_metrics_server
from yardstick.ops.process import instrument
from yardstick.provider import close_providers
from yardstick.sandbox.pool import close_sandbox
from yardstick.scoring.service import close_scorer, get_scorer
from yardstick.span.metadata_queue import metadata_index_loop
from yardstick.span.retention import retention_loop
from yardstick.span.run_trace_queue import run_trace_loop
from yardstick.span.text_index import text_index_loop
from yardstick.web.evaluation.warm import Warmer

# How long engine.destroy waits past the grace period: the chunks `Drain.settle` abandoned at its
# end still commit the cells they had finished, then end.
UNWIND_SECONDS = 5


class Worker:
    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self._heartbeat: asyncio.Task[None] | None = None
        self._retention: asyncio.Task[None] | None = None
        self._text_index: asyncio.Task[None] | None = None
        self._run_traces: asyncio.Task[None] | None = None
        self._metadata_index: asyncio.Task[None] | None = None
        self._drain = Drain()
        self._warmer = Warmer(sessions, min_cells=settings.ui_warm_min_cells)
        self._wake_watch = WakeWatch(settings)

    async def start(self) -> None:
        # Launching recovers this worker's own unfinished chunks. Restarted after its silence
        # passed the dead-after, it would look dead meanwhile, and another worker re-queueing
        # those chunks would make the calls in flight twice (and end this process's sessions,
        # named as the dead one's): it beats first of all.
        await asyncio.to_thread(beat, self.sessions, self.settings.worker_id)
        # Model calls of the runs find the accounts' own vendor keys (and a bad master key
        # stops the process here, before any chunk runs).
        install_vendor_keys(self.settings, self.sessions)
        if self.settings.scoring_prewarm:
            get_scorer().prewarm()
        runner.bind(self.sessions, self._drain, self._warmer.run_finished)
        await engine.launch(self.settings)
        self._wake_watch.start()
        self._heartbeat = asyncio.create_task(heartbeat_loop(self.settings, self.sessions))
        self._retention = asyncio.create_task(retention_loop(self.settings, self.sessions))
        self._text_index = asyncio.create_task(text_index_loop(self.sessions))
        self._run_traces = asyncio.create_task(run_trace_loop(self.sessions))
        self._metadata_index = asyncio.create_task(metadata_index_loop(self.sessions))

    async def stop(self) -> None:
        """Drain (at most `shutdown_grace_seconds`), then stop DBOS and the process pools."""
        grace = self.settings.shutdown_grace_seconds
        self._drain.begin()
        # engine.destroy stops the queue thread first, then waits (checking every second) until
        # no workflow runs here, the drained chunks included, before it tears DBOS down.
        destroyed = asyncio.ensure_future(
            asyncio.to_thread(engine.destroy, math.ceil(grace) + UNWIND_SECONDS)
        )
        try:
            await self._drain.settle(grace)
            # Beating until now: no other worker takes over chunks that are still draining.
            await self._stop_loops()
            await destroyed
        finally:
            # DBOS made its thread pool this loop's default executor, and destroy shut it
            # down: without a new one, every later asyncio.to_thread (the pools' shutdown
            # below, the lifespan's) fails with "cannot schedule new futures after shutdown".
            asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())
            self._warmer.close()
            self._wake_watch.stop()
            await close_scorer()  # after DBOS: no chunk is left to ask for a score
            await close_sandbox()  # likewise for custom functions

    async def _stop_loops(self) -> None:
        for task in (
            self._heartbeat,
            self._retention,
            self._text_index,
            self._run_traces,
            self._metadata_index,
        ):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def run_worker(
    settings: Settings, sessions: SessionFactory, *, on_running: Callable[[], None]
) -> None:
    """`yardstick worker`: run the engine until SIGINT or SIGTERM; `on_running` once it runs
    (a metrics port it cannot listen on stops it before that)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    instrument(settings, sessions.engine)
    # No HTTP app here: the worker's own metrics, on a port of their own if asked for.
    stop_metrics = start_metrics_server(settings.metrics_port) if settings.metrics_port else None
    checkpointer = start_checkpointer(sessions.engine)
    worker = Worker(settings, sessions)
    await worker.start()
    on_running()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await close_providers()
        if checkpointer is not None:
            await asyncio.to_thread(checkpointer.close)
        if stop_metrics is not None:
            stop_metrics()
