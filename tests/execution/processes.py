"""Extra engine processes for crash tests: `yardstick worker`s, killed with SIGKILL at will."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.fixtures.server import Server


def start_worker(server: Server, worker_id: str, **env: str) -> subprocess.Popen[bytes]:
    log = open(server.data_dir / f"worker-{worker_id}.log", "ab")  # noqa: SIM115 - the child process writes to it for its whole life
    return subprocess.Popen(
        [sys.executable, "-m", "yardstick.cli", "worker"],
        env={**server.env, "YARDSTICK_WORKER_ID": worker_id, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """`kill -9`: no shutdown hooks, no flush; exactly what a crash does."""
    process.kill()
    process.wait()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_hard(process)


def log_of(server: Server, name: str) -> str:
    path: Path = server.data_dir / name
    return path.read_text() if path.exists() else ""


def beating_workers(server: Server) -> set[str]:
    """The workers that have beaten: started, and dequeuing."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT worker_id FROM engine_workers")).scalars())
    finally:
        engine.dispose()


def workers_holding_chunks(server: Server) -> set[str]:
    """The workers running a chunk now (PostgreSQL: DBOS's own table)."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return set(
                connection.execute(
                    text(
                        "SELECT DISTINCT executor_id FROM dbos.workflow_status"
                        " WHERE status = 'PENDING'"
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
