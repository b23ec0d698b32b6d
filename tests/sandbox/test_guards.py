"""The sealed process's own defences, each tested with the other layers out of the way."""

import ast
import multiprocessing
import signal
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.probes import probe

MB = 1024 * 1024


def run_probe(tmp_path: Path, action: str, *, memory_mb: int = 64, allocate: int = 0) -> Any:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=probe, args=(theirs, action, str(tmp_path / "file"), memory_mb, allocate)
    )
    process.start()
    theirs.close()
    try:
        if not ours.poll(30):
            raise AssertionError(f"probe {action} did not answer")
        return ours.recv()
    except EOFError:
        process.join(10)
        return ("died", process.exitcode)
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()


@pytest.mark.parametrize(
    ("action", "event"),
    [
        ("socket", "socket.__new__"),
        ("connect", "socket.getaddrinfo"),
        ("open_write", "open '"),
        ("open_read", "open '/etc/hostname'"),
        ("system", "os.system"),
        ("subprocess", "subprocess.Popen"),
        ("fork", "os.fork"),
        ("listdir", "os.listdir"),
        ("new_import", "import 'xml"),
        ("frame", "object.__getattr__ 'gi_frame'"),
    ],
)
def test_audit_hook_refuses_and_records(tmp_path: Path, action: str, event: str) -> None:
    kind, message, _, violations = run_probe(tmp_path, action)
    assert kind == "SandboxViolation", message
    assert message.startswith(event)
    assert violations and violations[0] == message


def test_limits_are_set_and_root_is_dropped(tmp_path: Path) -> None:
    kind, shown, warnings, _ = run_probe(tmp_path, "limits")
    assert kind == "ok" and warnings == []
    limits = ast.literal_eval(shown)
    assert limits["fsize"] == (0, 0)
    assert limits["nproc"] == (0, 0)
    assert limits["core"] == (0, 0)
    soft, hard = limits["as"]
    assert soft == hard and 64 * MB < soft < 64 * MB + 1024 * MB  # the process's size + 64 MB
    assert limits["euid"] != 0


def test_file_size_limit_stops_writes_the_hook_cannot_see(tmp_path: Path) -> None:
    kind, message, _, violations = run_probe(tmp_path, "write_open_file")
    assert kind == "OSError" and "File too large" in message
    assert violations == []
    assert (tmp_path / "file").stat().st_size == 0


def test_address_space_limit_turns_a_big_allocation_into_memory_error(tmp_path: Path) -> None:
    assert run_probe(tmp_path, "allocate", allocate=16 * MB)[:2] == ("ok", str(16 * MB))
    kind, _, _, _ = run_probe(tmp_path, "allocate", allocate=256 * MB)
    assert kind == "MemoryError"


def test_cpu_limit_ends_a_runaway_loop(tmp_path: Path) -> None:
    assert run_probe(tmp_path, "spin") == ("died", -signal.SIGXCPU)


def test_the_network_is_out_of_reach_even_past_the_audit_hook(tmp_path: Path) -> None:
    """A way around every layer in the process (the tenant's escape through a class pattern
    switched the hook off) reached the server, the database and the vendors over loopback.
    The process now has a network namespace of its own, with no interface up."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        kind, message, warnings, _ = run_probe(tmp_path, "connect_unhooked", allocate=port)
    assert warnings == []
    assert (kind, message) == ("OSError", "[Errno 101] Network is unreachable")
