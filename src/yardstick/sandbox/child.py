"""The sandbox process's main loop: seal, say ready, then serve one call at a time.

Protocol (one JSON message each way per call, as bytes over a pipe): the server sends
`{source, kwargs, outputs, cpu_seconds}`; the process replies `{value}` or
`{error: {type, message}, recycle}`. JSON, not pickle, in both directions: unpickling what a
process running untrusted code sends would run whatever it chose. The process exits when the
server closes the pipe, within a second of the server dying (even in the middle of a call:
`kit.parent_watch`), and is killed by the server on a timeout.
"""

import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import orjson

from yardstick.kit.parent_watch import exit_with_parent
from yardstick.sandbox import errors, guards

_OUT_OF_MEMORY = orjson.dumps(
    {
        "error": {"type": errors.MEMORY_LIMIT, "message": "the function ran out of memory"},
        "recycle": True,
    }
)


def _silence_stdio() -> None:
    """No output stream: stdin, stdout and stderr all go to /dev/null."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def forget_environment() -> None:
    """Drop the environment the server passed on: it may hold `YARDSTICK_SECRET_KEY`, the
    vendors' keys and the database's password, none of which a custom function has any use
    for. Nothing in this process reads the environment once it has started."""
    os.environ.clear()


def _handle(request: bytes, call: Callable[..., dict[str, Any]]) -> bytes:
    try:
        message: dict[str, Any] = orjson.loads(request)
        outputs = [(path, alias) for path, alias in message.get("outputs") or ()]
        reply = call(message["source"], message["kwargs"], outputs or None, message["cpu_seconds"])
        return orjson.dumps(reply)
    except MemoryError:
        return _OUT_OF_MEMORY
    except BaseException as exc:  # noqa: BLE001 - the harness itself failed: report it, be replaced
        failure = {"type": errors.CRASHED, "message": f"the sandbox failed: {type(exc).__name__}"}
        return orjson.dumps({"error": failure, "recycle": True})


def main(conn: Connection, limits: guards.Limits) -> None:
    _silence_stdio()
    forget_environment()
    # Imported here, not at the top: the server imports this module only to name this function,
    # and `runtime` loads every allowed module. It must be loaded before the seal forbids imports.
    from yardstick.sandbox import runtime

    # Before the seal, which forbids new threads; an idle process would also see the pipe
    # close, but one running a call would not.
    exit_with_parent()
    warnings = guards.seal(limits)
    conn.send_bytes(orjson.dumps({"ready": True, "warnings": warnings}))
    while True:
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError):
            os._exit(0)
        conn.send_bytes(_handle(request, runtime.call))
