"""A real `yardstick serve` subprocess on a free port, stopped (and only it) when done."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from bench.machine import tree_cpu_seconds

ACCOUNT = "bench"
# Set by `python -m bench --py-spy DIR`: each server is sampled by py-spy into DIR.
PY_SPY_ENV = "BENCH_PY_SPY_DIR"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(
        self,
        database_url: str,
        work_dir: Path,
        *,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> None:
        """`env`: extra environment (model vendors, limits); `args`: extra `serve` flags."""
        self.database_url = database_url
        self.work_dir = work_dir
        self.extra_env = env or {}
        self.extra_args = args or []
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api_key = "bench-key-" + uuid.uuid4().hex
        self.headers = {"x-api-key": self.api_key, "x-selected-account-id": ACCOUNT}
        self.log_path = work_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.profiler: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        data_dir = self.work_dir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("YARDSTICK_")}
        self.env.update(
            YARDSTICK_DATABASE_URL=self.database_url,
            YARDSTICK_DATA_DIR=str(data_dir),
            YARDSTICK_INIT_ACCOUNT_ID=ACCOUNT,
            YARDSTICK_INIT_API_KEY=self.api_key,
        )
        # A throughput figure measured right after a start would share the CPU with the scorer
        # processes' start-up imports (~3 s of CPU each): they start on the first metric cell, as
        # they always did here, unless a benchmark of the first seconds asks for the default.
        self.env["YARDSTICK_SCORING_PREWARM"] = "false"
        self.env.update(self.extra_env)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                # No access log: a line per request is not what these figures are about.
                [
                    sys.executable,
                    "-m",
                    "yardstick.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                    *self.extra_args,
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    self._start_profiler()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become healthy:\n{self.log_path.read_text()}")

    def _start_profiler(self) -> None:
        out_dir = os.environ.get(PY_SPY_ENV)
        if not out_dir:
            return
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        out = Path(out_dir) / f"server-{self.pid}.txt"
        beside = Path(sys.executable).parent / "py-spy"
        py_spy = str(beside) if beside.exists() else shutil.which("py-spy")
        if py_spy is None:
            raise RuntimeError(f"--py-spy needs py-spy on PATH or beside {sys.executable}")
        # --nonblocking: sampling must not pause the server it measures; it exits with the server.
        # BENCH_PY_SPY_ARGS replaces that, e.g. "--native" (which cannot be nonblocking).
        extra = os.environ.get("BENCH_PY_SPY_ARGS", "--nonblocking").split()
        self.profiler = subprocess.Popen(
            [
                py_spy,
                "record",
                *extra,
                "--format",
                "raw",
                "--rate",
                "200",
                "-o",
                str(out),
                "--pid",
                str(self.pid),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"py-spy → {out}", flush=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.profiler is not None:
            self.profiler.wait(timeout=30)  # writes its file once the server is gone

    def cpu_seconds(self) -> float:
        """User + system CPU the server has used so far, with its live child processes' (its
        write process: yardstick.db.write_process; scorers) (Linux /proc; 0 where
        unavailable)."""
        return tree_cpu_seconds(self.pid)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()  # a failed start must not leave the process behind
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
