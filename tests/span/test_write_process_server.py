"""A server's span writes on SQLite go through its write process (yardstick.db.write_process):
one that is killed is started again and the server goes on answering, and
YARDSTICK_SPAN_WRITE_PROCESS=false writes in the server's own process instead."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.processes import children, command_line
from tests.fixtures.server import ACCOUNT_A, Server, run_server, serve_once, server_env

WRITE_PROCESS = b"yardstick.db.write_process"


def write_processes(server: Server) -> list[int]:
    assert server.process is not None
    return [pid for pid in children(server.process.pid) if WRITE_PROCESS in command_line(pid)]


def api(server: Server) -> httpx.Client:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def batch(trace: str, count: int = 3) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": f"{trace}-{i}",
                "trace_id": trace,
                "name": "call",
                "start_timestamp": "2026-12-05T00:00:00Z",
                "end_timestamp": "2026-12-05T00:00:01Z",
            }
            for i in range(count)
        ]
    }


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    yield from run_server("sqlite", tmp_path)


@pytest.fixture
def in_process_server(tmp_path: Path) -> Iterator[Server]:
    yield from run_server("sqlite", tmp_path, YARDSTICK_SPAN_WRITE_PROCESS="false")


def test_a_killed_write_process_is_started_again(server: Server) -> None:
    (first,) = write_processes(server)
    with api(server) as http:
        assert http.put("/v5/spans/batch", json=batch("before")).status_code == 200
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10
        log = server.data_dir / "server.log"
        while b"write process %d exited" % first not in log.read_bytes():
            assert time.monotonic() < deadline, "the server did not notice"
            time.sleep(0.05)

        answer = http.put("/v5/spans/batch", json=batch("after"))
        assert answer.status_code == 200, answer.text
        (second,) = write_processes(server)
        assert second != first
        found = http.post("/v5/spans/search", json={"trace_ids": ["before", "after"]})
        assert len(found.json()["items"]) == 6


def test_without_the_write_process_spans_are_written_here(in_process_server: Server) -> None:
    assert write_processes(in_process_server) == []
    with api(in_process_server) as http:
        assert http.put("/v5/spans/batch", json=batch("here")).status_code == 200
        again = http.post("/v5/spans/batch", json=batch("here"))
        assert again.status_code == 409
        assert "already exists" in again.json()["detail"]
        found = http.post("/v5/spans/search", json={"trace_ids": ["here"]})
        assert len(found.json()["items"]) == 3


def test_a_setting_that_is_no_boolean_stops_the_start(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'yardstick.db'}", tmp_path / "data")
    env["YARDSTICK_SPAN_WRITE_PROCESS"] = "maybe"
    result = serve_once(env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: YARDSTICK_SPAN_WRITE_PROCESS: "), result.stderr
