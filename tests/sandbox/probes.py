"""Targets for spawned processes that seal themselves like a sandbox process, then try one thing.

They test `guards` on its own, under the other layers: the code here has real builtins and real
modules (imported before the seal, as the sandbox does with what it needs), which is what a way
around the source check and the restricted namespace would have.
"""

import encodings.idna  # noqa: F401  (socket.create_connection imports it on first use)
import os
import socket
import subprocess
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from yardstick.sandbox import guards

Action = Callable[[dict[str, Any]], Any]


def _socket(_: dict[str, Any]) -> Any:
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def _connect(_: dict[str, Any]) -> Any:
    return socket.create_connection(("127.0.0.1", 9), timeout=1)


def _connect_unhooked(ctx: dict[str, Any]) -> Any:
    # As code that switched the audit hook off would: only the network namespace stands here.
    with guards.trusted():
        return socket.create_connection(("127.0.0.1", ctx["bytes"]), timeout=2)


def _open_write(ctx: dict[str, Any]) -> Any:
    return open(ctx["path"] + ".new", "w")


def _open_read(_: dict[str, Any]) -> Any:
    return open("/etc/hostname")


def _write_open_file(ctx: dict[str, Any]) -> Any:
    # Opened before the seal, so the audit hook never sees it: only RLIMIT_FSIZE stands here.
    handle = ctx["handle"]
    handle.write(b"x" * 4096)
    handle.flush()
    return "written"


def _system(_: dict[str, Any]) -> Any:
    return os.system("true")


def _subprocess(_: dict[str, Any]) -> Any:
    return subprocess.run(["true"], check=False)


def _fork(_: dict[str, Any]) -> Any:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid


def _listdir(_: dict[str, Any]) -> Any:
    return os.listdir("/")


def _new_import(_: dict[str, Any]) -> Any:
    import xml.dom.minidom  # noqa: F401  (not loaded before the seal)

    return "imported"


def _frame(_: dict[str, Any]) -> Any:
    def gen() -> Any:
        yield 1

    return gen().gi_frame


def _limits(_: dict[str, Any]) -> Any:
    import resource

    return {
        "as": resource.getrlimit(resource.RLIMIT_AS),
        "fsize": resource.getrlimit(resource.RLIMIT_FSIZE),
        "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
        "core": resource.getrlimit(resource.RLIMIT_CORE),
        "euid": os.geteuid(),
    }


def _allocate(ctx: dict[str, Any]) -> Any:
    return len(bytearray(ctx["bytes"]))


def _spin(_: dict[str, Any]) -> Any:
    guards.arm_cpu_limit(1)
    while True:
        pass


ACTIONS: dict[str, Action] = {
    "socket": _socket,
    "connect": _connect,
    "connect_unhooked": _connect_unhooked,
    "open_write": _open_write,
    "open_read": _open_read,
    "write_open_file": _write_open_file,
    "system": _system,
    "subprocess": _subprocess,
    "fork": _fork,
    "listdir": _listdir,
    "new_import": _new_import,
    "frame": _frame,
    "limits": _limits,
    "allocate": _allocate,
    "spin": _spin,
}


def probe(conn: Connection, action: str, path: str, memory_mb: int, allocate: int) -> None:
    # Left open on purpose: the probe's actions write through it under the sandbox's limits.
    handle = open(path, "wb")  # noqa: SIM115
    ctx: dict[str, Any] = {"path": path, "handle": handle, "bytes": allocate}
    warnings = guards.seal(guards.Limits(timeout_seconds=1, memory_mb=memory_mb))
    try:
        outcome = ("ok", repr(ACTIONS[action](ctx)))
    except BaseException as exc:  # noqa: BLE001 - report whatever stopped it
        outcome = (type(exc).__name__, str(exc))
    conn.send((*outcome, warnings, guards.take_violations()))
