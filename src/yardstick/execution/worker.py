"""Start and stop the engine inside a process (`serve` without --no-worker, or `worker`).

DBOS must be launched from the running event loop: it then runs queued workflows on that loop,
the same one the API's async endpoints and the provider layer use.
"""

import asyncio
import contextlib
import signal

from dbos import DBOS

from yardstick.config import Settings
from yardstick.db.session import SessionFactory
from yardstick.execution import runner
from yardstick.execution.engine import QUEUE, dbos_config
from yardstick.execution.recovery import heartbeat_loop
from yardstick.provider import close_providers
from yardstick.sandbox.pool import close_sandbox
from yardstick.scoring import close_scorer


class Worker:
    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        runner.bind(self.sessions)
        DBOS(config=dbos_config(self.settings))
        DBOS.listen_queues([QUEUE])
        DBOS.launch()
        await DBOS.register_queue_async(
            QUEUE, worker_concurrency=self.settings.worker_concurrency, polling_interval_sec=0.1
        )
        self._heartbeat = asyncio.create_task(heartbeat_loop(self.settings, self.sessions))

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await asyncio.to_thread(DBOS.destroy)
        await close_scorer()  # after DBOS: no chunk is left to ask for a score
        await close_sandbox()  # likewise for custom functions


async def run_worker(settings: Settings, sessions: SessionFactory) -> None:
    """`yardstick worker`: run the engine until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    worker = Worker(settings, sessions)
    await worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await close_providers()
