"""The server's handle on one sandbox process: start it, send it a call, kill it.

Blocking code, run on one of the pool's threads, never on the event loop. A handle outlives its
processes: `kill` leaves it empty and the next call starts a new process (and waits for it to be
ready, which is not counted against that call's time limit).
"""

import logging
import signal
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

import orjson

from yardstick.sandbox import child, errors
from yardstick.sandbox.errors import SandboxError
from yardstick.sandbox.guards import Limits

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60.0
# A reply holds a number, a few named numbers or a capped error message.
MAX_REPLY_BYTES = 1024 * 1024
# A process is replaced after this many calls, so whatever leaks slowly (caches, fragmentation)
# never reaches the memory limit and fails someone else's call.
MAX_CALLS_PER_PROCESS = 5000
_warned = False


class SandboxWorker:
    def __init__(self, context: SpawnContext, limits: Limits) -> None:
        self._context = context
        self._limits = limits
        self._process: SpawnProcess | None = None
        self._conn: Connection | None = None
        self._calls = 0

    def _start(self) -> tuple[SpawnProcess, Connection]:
        global _warned
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=child.main, args=(theirs, self._limits), name="yardstick-sandbox", daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._conn, self._calls = process, ours, 0
        try:
            if not ours.poll(START_TIMEOUT_SECONDS):
                raise TimeoutError(f"not ready after {START_TIMEOUT_SECONDS:.0f} s")
            hello: dict[str, Any] = orjson.loads(ours.recv_bytes(MAX_REPLY_BYTES))
        except (OSError, EOFError, TimeoutError, orjson.JSONDecodeError) as exc:
            self.kill()
            reason = str(exc) or type(exc).__name__
            raise SandboxError(
                errors.UNAVAILABLE, f"a sandbox process could not start: {reason}"
            ) from exc
        if hello.get("warnings") and not _warned:
            _warned = True
            log.warning("sandbox limits not fully applied: %s", "; ".join(hello["warnings"]))
        return process, ours

    def _ready(self) -> tuple[SpawnProcess, Connection]:
        """This handle's process, started anew if there is none or it died since its last call.

        An idle process never writes, so anything readable on its pipe is the end of a process
        that died (killed from outside, say) while waiting.
        """
        process, conn = self._process, self._conn
        if process is not None and conn is not None and process.is_alive() and not conn.poll(0):
            return process, conn
        self.kill()
        return self._start()

    def call(self, request: bytes, timeout: float) -> dict[str, Any]:
        """Send one call and wait for its reply; raises SandboxError for a dead or slow process."""
        process, conn = self._ready()
        try:
            try:
                conn.send_bytes(request)
            except BrokenPipeError:  # died just now, before reading the call: run it elsewhere
                self.kill()
                process, conn = self._ready()
                conn.send_bytes(request)
            if not conn.poll(timeout):
                self.kill()
                raise SandboxError(
                    errors.TIMEOUT, f"the function ran longer than {timeout:g} s and was stopped"
                )
            reply: dict[str, Any] = orjson.loads(conn.recv_bytes(MAX_REPLY_BYTES))
        except (OSError, EOFError, orjson.JSONDecodeError) as exc:
            # Died mid-call (a limit's signal, a fatal error), or sent something malformed.
            raise self._died(process, exc) from exc
        self._calls += 1
        if reply.get("recycle") or self._calls >= MAX_CALLS_PER_PROCESS:
            self.close()
        return reply

    def _died(self, process: SpawnProcess, exc: BaseException) -> SandboxError:
        process.join(1.0)
        code = process.exitcode
        self.kill()
        if code == -signal.SIGXCPU:
            return SandboxError(errors.TIMEOUT, "the function used up its CPU time and was stopped")
        if code is not None and code < 0:
            how = f"was killed by {signal.Signals(-code).name}"
        elif code is not None:
            how = f"exited with status {code}"
        else:
            how = f"stopped answering ({type(exc).__name__})"
        return SandboxError(errors.CRASHED, f"the sandbox process running the function {how}")

    def close(self) -> None:
        """Let the process exit on its own (it does when the pipe closes), then make sure."""
        process, conn = self._process, self._conn
        self._process, self._conn = None, None
        if conn is not None:
            conn.close()
        if process is not None:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(5.0)

    def kill(self) -> None:
        process, conn = self._process, self._conn
        self._process, self._conn = None, None
        if process is not None and process.is_alive():
            process.kill()
        if process is not None:
            process.join(5.0)
        if conn is not None:
            conn.close()
