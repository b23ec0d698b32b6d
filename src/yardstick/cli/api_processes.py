"""`serve --processes N`: more processes answering the API on the socket `serve` bound.

A Python process runs Python on one core at a time (the GIL). Span ingest through
`PUT /v5/spans/batch` held one core and stopped near 10,000 spans/s on a two-core machine with
the other core half idle; two servers on one SQLite file, each sent half the clients, took
12,500-13,800, and `--processes 2` 10,000-12,700 (8 clients: the kernel does not always spread
8 connections evenly). The processes
share the port (each binds it with SO_REUSEPORT, and the kernel spreads the connections) and
the database, as two servers on one database always could (SQLite's writers take turns through
`db.write_gate`'s lock file). Only the first runs the evaluation engine: the others are
`serve --no-worker`, started once the first has migrated the database.

While `serve` runs, a process that exits is started again, unless that happened RESTARTS times
within RESTART_WINDOW_SECONDS (then it is left stopped, and said so). When `serve` stops, so do
they: SIGTERM (each drains its requests as `serve` does), SIGKILL after STOP_SECONDS. One whose
parent died without stopping it (`kill -9`) exits by itself (`kit.parent_watch`).
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque

log = logging.getLogger(__name__)

RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0
STOP_SECONDS = 30.0
_WATCH_SECONDS = 0.5


class ApiProcesses:
    """`count` processes running `serve --no-worker` on the port of this one."""

    def __init__(self, count: int, *, host: str, port: int, access_log: bool) -> None:
        self._argv = [
            sys.executable,
            "-m",
            "yardstick.cli",
            "serve",
            "--no-worker",
            "--host",
            host,
            "--port",
            str(port),
            "--access-log" if access_log else "--no-access-log",
            "--parent-pid",
            str(os.getpid()),
        ]
        self._processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self._restarts: list[deque[float]] = [deque() for _ in range(count)]
        self._stopping = threading.Event()
        self._watch = threading.Thread(target=self._run, name="api-processes", daemon=True)

    def start(self) -> None:
        if not self._processes:
            return  # one process, the default: no thread waking twice a second for nothing
        for slot in range(len(self._processes)):
            self._processes[slot] = self._spawn()
        self._watch.start()

    def stop(self) -> None:
        """SIGTERM to each, then SIGKILL to any still running after STOP_SECONDS."""
        self._stopping.set()
        if self._watch.is_alive():
            self._watch.join()
        running = [p for p in self._processes if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self) -> subprocess.Popen[bytes]:
        # A session of its own: a Ctrl-C at the terminal reaches `serve` alone, which stops
        # these in turn (each also getting it exited at once, and was started again meanwhile).
        return subprocess.Popen(self._argv, start_new_session=True)

    def _run(self) -> None:
        while not self._stopping.wait(_WATCH_SECONDS):
            for slot, process in enumerate(self._processes):
                if process is None or process.poll() is None:
                    continue
                self._processes[slot] = self._restarted(slot, process.returncode)

    def _restarted(self, slot: int, code: int) -> subprocess.Popen[bytes] | None:
        now = time.monotonic()
        recent = self._restarts[slot]
        while recent and now - recent[0] > RESTART_WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= RESTARTS:
            log.error(
                "an API process exited (status %s) %d times within %g s; not starting it again",
                code,
                RESTARTS + 1,
                RESTART_WINDOW_SECONDS,
            )
            return None
        recent.append(now)
        log.warning("an API process exited (status %s); starting another", code)
        return self._spawn()
