"""Stopping the server: SIGTERM and Ctrl-C drain and exit 0; no process of it outlives it.

Each test runs a `yardstick serve` of its own, in a session of its own, so that Ctrl-C can be
sent to its whole process group, as a terminal does. Its processes (the server, the scorer and
sandbox pools', multiprocessing's resource tracker) are found through /proc by the environment
they inherit from it, which they keep when orphaned.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, make_client, require_backend
from tests.execution.helpers import chat_task, extra, wait_until_done
from tests.fixtures.engine_server import CONCURRENCY, engine_env
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.processes import alive
from tests.fixtures.server import (
    ACCOUNT_A,
    KEY_A,
    Server,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    postgres_admin_url,
    server_env,
)

GRACE_SECONDS = 20
# How long a child may outlive its server: the parent watch polls every 0.5 s.
ORPHAN_SECONDS = 5
CUSTOM_FUNCTION = "def words(answer):\n    return len(answer.split())\n"


def workload(name: str) -> list[dict[str, Any]]:
    """The tasks of the run before the stop: none, or ones that start both process pools."""
    if name == "idle":
        return []
    return [
        chat_task("answer"),
        {
            "task_type": "metric",
            "alias": "bleu",
            "configuration": {
                "type": "bleu",
                "candidate": "item.answer",
                "reference": "item.expected",
            },
        },
        {
            "task_type": "custom_function",
            "alias": "words",
            "configuration": {"function_source": CUSTOM_FUNCTION},
        },
    ]


@pytest.fixture(params=BACKENDS)
def stoppable(
    request: pytest.FixtureRequest, tmp_path: Path, fake_models: FakeModels
) -> Iterator[Server]:
    """A server of its own on a fresh database, not started: `launch` starts it."""
    backend: str = request.param
    require_backend(backend)
    admin_url = postgres_admin_url()
    if backend == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'yardstick.db'}"
    else:
        assert admin_url is not None
        database_url = create_postgres_database(admin_url)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = engine_env(fake_models, YARDSTICK_SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS))
    server = Server(
        backend=backend,
        base_url=f"http://127.0.0.1:{free_port()}",
        database_url=database_url,
        data_dir=data_dir,
        env=server_env(database_url, data_dir, **env),
    )
    server.keys[ACCOUNT_A] = KEY_A
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        for pid in processes_of(server):  # a failed test leaves nothing running either
            os.kill(pid, signal.SIGKILL)
        if backend != "sqlite" and admin_url is not None:
            drop_postgres_database(admin_url, database_url)


def launch(server: Server, log_name: str, **env: str) -> subprocess.Popen[bytes]:
    """Start `yardstick serve` in a new session, its output in `log_name`; wait until healthy."""
    command = ["serve", "--host", "127.0.0.1", "--port", str(server.port)]
    with open(server.data_dir / log_name, "ab") as log:  # the server writes to its own copy
        server.process = subprocess.Popen(
            [sys.executable, "-m", "yardstick.cli", *command],
            env={**server.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.process.poll() is None, (server.data_dir / log_name).read_text()
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1).status_code == 200:
                return server.process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become healthy")


def processes_of(server: Server) -> dict[int, str]:
    """Every live process of `server`, its own included, with its command line."""
    mark = f"YARDSTICK_DATA_DIR={server.data_dir}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark in (entry / "environ").read_bytes().split(b"\0"):
                found[int(entry.name)] = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
        except OSError:  # gone meanwhile
            continue
    return {pid: command for pid, command in found.items() if alive(pid)}


def pool_processes(server: Server) -> dict[int, str]:
    """Its scorer and sandbox processes (both started by multiprocessing's spawn)."""
    return {
        pid: command for pid, command in processes_of(server).items() if "spawn_main" in command
    }


def left_behind(server: Server, within: float = ORPHAN_SECONDS) -> dict[int, str]:
    """The processes of `server` still running `within` seconds from now."""
    deadline = time.monotonic() + within
    while (left := processes_of(server)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def run_before_the_stop(client: SGPClient, name: str) -> None:
    if name == "idle":
        return
    rows: list[dict[str, object]] = [
        {"input": f"the cat sat {i}", "expected": "echo: the cat sat"} for i in range(4)
    ]
    tasks: Any = workload(name)  # the a29 client has no custom_function type: dicts go as-is
    evaluation = client.evaluations.create(name="before the stop", data=rows, tasks=tasks)
    done = wait_until_done(client, evaluation.id, timeout=180)
    assert done.status == "completed"
    assert extra(done, "error_count") == 0


def assert_clean_exit(server: Server, process: subprocess.Popen[bytes], log_name: str) -> None:
    assert process.wait(timeout=GRACE_SECONDS + 30) == 0
    log = (server.data_dir / log_name).read_text()
    assert "Traceback" not in log, log
    assert "Application shutdown failed" not in log, log
    # The resource tracker's warning, when a process pool was not shut down.
    assert "leaked semaphore" not in log, log


# Process handling does not depend on the database: these run on SQLite only, to keep CI short;
# the durability tests below run on both.
@pytest.mark.parametrize("stoppable", ["sqlite"], indirect=True)
@pytest.mark.parametrize("before", ["idle", "metrics"])
@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_a_stop_signal_exits_0_and_leaves_no_process(
    stoppable: Server, fake_models: FakeModels, how: str, before: str
) -> None:
    process = launch(stoppable, "server.log")
    run_before_the_stop(make_client(stoppable), before)
    if before == "metrics":
        assert len(pool_processes(stoppable)) >= 2, processes_of(stoppable)  # scorer, sandbox

    if how == "SIGTERM":
        process.send_signal(signal.SIGTERM)  # `kill <pid>`, as docker stop does
    else:
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches every process
    assert_clean_exit(stoppable, process, "server.log")
    assert left_behind(stoppable) == {}


@pytest.mark.parametrize("stoppable", ["sqlite"], indirect=True)
def test_after_kill_9_the_pools_exit_by_themselves(
    stoppable: Server, fake_models: FakeModels
) -> None:
    process = launch(stoppable, "server.log")
    run_before_the_stop(make_client(stoppable), "metrics")
    assert len(pool_processes(stoppable)) >= 2, processes_of(stoppable)  # scorer, sandbox

    process.kill()  # the server alone: nothing of it runs to stop its children
    process.wait()
    assert left_behind(stoppable) == {}


def stored_cells(server: Server, evaluation_id: str) -> tuple[int, int]:
    """(cells, distinct items) stored for the evaluation."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            count, items = connection.execute(
                text(
                    "SELECT count(*), count(DISTINCT item_id) FROM task_results"
                    " WHERE evaluation_id = :e"
                ),
                {"e": evaluation_id},
            ).one()
    finally:
        engine.dispose()
    return int(count), int(items)


def status_in_database(server: Server, evaluation_id: str) -> str:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            status: str = connection.execute(
                text("SELECT status FROM evaluations WHERE id = :e"), {"e": evaluation_id}
            ).scalar_one()
    finally:
        engine.dispose()
    return status


def wait_for_calls(fake: FakeModels, *, at_least: int, in_flight: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        stats = fake.stats()
        if stats["total"] >= at_least and stats["in_flight"] >= in_flight:
            return
        assert time.monotonic() < deadline, f"the run made no progress: {stats}"
        time.sleep(0.02)


def start_run(client: SGPClient, items: int) -> str:
    rows: list[dict[str, object]] = [{"input": f"q{i}"} for i in range(items)]
    tasks: Any = [chat_task("answer")]  # a dict, as the a29 client's own types are stricter
    evaluation = client.evaluations.create(name="stopped", data=rows, tasks=tasks)
    return evaluation.id


def finish_after_restart(
    server: Server, fake_models: FakeModels, evaluation_id: str, items: int
) -> None:
    """Start the server again: its chunks come back from DBOS, and the run ends, each cell once.

    The model answers at once now: the latency mattered only while the stop was under way."""
    fake_models.control(latency_ms=0)
    launch(server, "restarted.log")
    client = make_client(server, max_retries=5)
    done = wait_until_done(client, evaluation_id, timeout=180)
    assert done.status == "completed"
    assert extra(done, "progress")["items"]["successful"] == items
    assert stored_cells(server, evaluation_id) == (items, items)


def test_sigterm_lets_the_calls_in_flight_finish_and_commit(
    stoppable: Server, fake_models: FakeModels
) -> None:
    items = 200
    process = launch(stoppable, "server.log")
    fake_models.control(latency_ms=500)
    evaluation_id = start_run(make_client(stoppable), items)
    wait_for_calls(fake_models, at_least=40, in_flight=CONCURRENCY)
    stored_before, _ = stored_cells(stoppable, evaluation_id)
    assert fake_models.stats()["in_flight"] > 0

    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert_clean_exit(stoppable, process, "server.log")
    assert time.monotonic() - stopped_at < GRACE_SECONDS
    assert left_behind(stoppable) == {}

    # Every call made, the ones in flight at the signal included, has its cell stored (a kill
    # would have lost those), and the run is still running, to be resumed.
    stats = fake_models.stats()
    stored_after, _ = stored_cells(stoppable, evaluation_id)
    assert stats["in_flight"] == 0
    assert stored_before < stored_after == stats["total"] < items
    assert status_in_database(stoppable, evaluation_id) == "running"

    finish_after_restart(stoppable, fake_models, evaluation_id, items)
    assert fake_models.stats()["total"] == items  # no call made twice


def test_calls_still_running_at_the_end_of_the_grace_period_are_abandoned(
    stoppable: Server, fake_models: FakeModels
) -> None:
    items, grace, latency = 2 * CONCURRENCY, 1, 5.0
    # engine_env's model timeout is 2 s: the calls must not time out and be retried meanwhile.
    stoppable.env["YARDSTICK_MODEL_TIMEOUT_SECONDS"] = str(2 * latency)
    process = launch(stoppable, "server.log", YARDSTICK_SHUTDOWN_GRACE_SECONDS=str(grace))
    fake_models.control(latency_ms=latency * 1000)
    evaluation_id = start_run(make_client(stoppable), items)
    wait_for_calls(fake_models, at_least=CONCURRENCY, in_flight=CONCURRENCY)

    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert_clean_exit(stoppable, process, "server.log")
    # Well before the calls would have answered: they were abandoned at the grace period's end.
    assert time.monotonic() - stopped_at < latency
    assert left_behind(stoppable) == {}
    assert stored_cells(stoppable, evaluation_id) == (0, 0)
    assert status_in_database(stoppable, evaluation_id) == "running"

    finish_after_restart(stoppable, fake_models, evaluation_id, items)
    assert fake_models.stats()["total"] == items + CONCURRENCY  # only the abandoned calls again
