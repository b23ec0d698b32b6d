"""uvicorn's server with a one-second tick instead of a tenth of a second.

uvicorn's main loop wakes every 0.1 s to see whether it must stop and, every tenth tick, to
refresh the `date` header. Ten wake-ups a second were a sixth of what an idle server costs
(`./dev bench idle`). Here the loop wakes once a second, the header still changes every second,
and a stop signal wakes it at once: `handle_exit` (a signal handler, run between two bytecodes of
the loop's thread) hands the wake-up to the loop through `call_soon_threadsafe`, which is safe
from there and interrupts its wait.
"""

import asyncio
import socket
from types import FrameType

import uvicorn
from uvicorn.main import STARTUP_FAILURE  # type: ignore[attr-defined]

__all__ = ["STARTUP_FAILURE", "QuietServer"]

TICK_SECONDS = 1.0
# uvicorn refreshes the date header on ticks divisible by 10 and counts modulo this.
_TICKS_PER_SECOND = 10
_COUNTER_MODULO = 864_000


class QuietServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._stop_requested: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS_PER_SECOND) % _COUNTER_MODULO
            try:
                await asyncio.wait_for(self._stop_requested.wait(), TICK_SECONDS)
            except TimeoutError:
                pass
            should_exit = await self.on_tick(counter)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if sockets is not None and self.started:
            # uvicorn says where it listens only for the sockets it binds itself; `serve` binds
            # its own first (see yardstick.cli.main).
            self._log_started_message(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None and self._stop_requested is not None:
            self._loop.call_soon_threadsafe(self._stop_requested.set)
