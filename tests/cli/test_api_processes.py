"""`serve --processes N`: N processes answer the API on one port and write one database; one
that dies is started again; stopping or killing `serve` leaves none of them running."""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import BACKENDS, require_backend
from tests.fixtures.processes import alive, children, command_line
from tests.fixtures.server import ACCOUNT_A, Server, run_server
from yardstick.cli.main import app

ORPHAN_SECONDS = 5  # the parent watch polls every 0.5 s
UP = "Application startup complete"


@pytest.fixture(params=BACKENDS)
def two(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """`serve --processes 2` on a fresh database, both processes listening."""
    require_backend(request.param)
    for server in run_server(request.param, tmp_path, serve_args=["--processes", "2"]):
        wait_started(server, 2)
        yield server


def started(server: Server) -> int:
    return (server.data_dir / "server.log").read_text().count(UP)


def wait_started(server: Server, count: int) -> None:
    """Until the log says `count` processes have started, in all."""
    wait_for(lambda: started(server) >= count, f"{count} processes to have started")


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def api_processes(pid: int) -> list[int]:
    """`serve`'s API processes among its children (each process also has a write process:
    yardstick.db.write_process)."""
    return [child for child in children(pid) if b"serve" in command_line(child)]


def below_serve(server: Server) -> int:
    """How many processes `serve --processes 2` starts: the second API process, and on SQLite
    a write process for each."""
    return 3 if server.backend == "sqlite" else 1


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`: API processes and their write processes."""
    below = children(pid)
    return below + [deeper for child in below for deeper in descendants(child)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def headers(server: Server) -> dict[str, str]:
    return {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}


def batch(trace: str, first: int, count: int) -> dict[str, object]:
    return {
        "items": [
            {
                "id": f"{trace}-{i}",
                "trace_id": trace,
                "name": "call",
                "start_timestamp": "2026-12-01T00:00:00Z",
                "end_timestamp": "2026-12-01T00:00:01Z",
            }
            for i in range(first, first + count)
        ]
    }


def test_both_processes_answer_and_write_one_database(two: Server) -> None:
    assert two.process is not None
    (child,) = api_processes(two.process.pid)
    before = cpu_seconds(child)
    failures: list[str] = []

    def send(thread: int) -> None:
        for request in range(25):
            # A connection a request: the processes take connections, not requests.
            with httpx.Client(base_url=two.base_url, headers=headers(two), timeout=30) as http:
                answer = http.put("/v5/spans/batch", json=batch(f"t{thread}", request * 10, 10))
                if answer.status_code != 200:
                    failures.append(answer.text)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert cpu_seconds(child) - before > 0.1  # it answered its share, not only its clock
    with httpx.Client(base_url=two.base_url, headers=headers(two), timeout=30) as http:
        for k in range(8):
            found = http.post(
                "/v5/spans/search", params={"limit": 1000}, json={"trace_ids": [f"t{k}"]}
            )
            assert found.status_code == 200, found.text
            assert len(found.json()["items"]) == 250


def test_an_api_process_that_dies_is_started_again(two: Server) -> None:
    assert two.process is not None
    (child,) = api_processes(two.process.pid)
    os.kill(child, signal.SIGKILL)

    wait_started(two, 3)
    (again,) = api_processes(two.process.pid)
    assert again != child
    log = (two.data_dir / "server.log").read_text()
    assert "an API process exited (status -9); starting another" in log
    with httpx.Client(base_url=two.base_url, headers=headers(two), timeout=30) as http:
        assert http.put("/v5/spans/batch", json=batch("after", 0, 3)).status_code == 200


def test_stopping_serve_stops_its_api_processes(two: Server) -> None:
    assert two.process is not None
    below = descendants(two.process.pid)
    assert len(below) == below_serve(two)

    two.process.send_signal(signal.SIGTERM)

    assert two.process.wait(timeout=60) == 0
    wait_for(lambda: not any(map(alive, below)), "every process to stop", ORPHAN_SECONDS)


def test_api_processes_exit_when_serve_is_killed(two: Server) -> None:
    assert two.process is not None
    below = descendants(two.process.pid)
    assert len(below) == below_serve(two)

    two.process.kill()
    two.process.wait()

    wait_for(lambda: not any(map(alive, below)), "every orphan to exit", ORPHAN_SECONDS)


@pytest.mark.parametrize("count", ["0", "65", "two"])
def test_a_count_out_of_range_is_refused_before_anything_starts(count: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--processes", count])
    assert result.exit_code == 2
    assert "--processes" in result.output
