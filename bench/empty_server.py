"""The machine's HTTP floor: uvicorn, as `yardstick serve` runs it, around an ASGI app that
answers every request with a fixed JSON body (16 bytes, or as many as asked) and does nothing
else.

A page's time is compared with this round trip from the same keep-alive client: what remains
is the application's (routing, auth, the database, rendering). Asked for as many bytes as a
page, it is that page's floor: writing ~145 KB to a loopback socket adds to the round trip's
CPU (0.18-0.28 ms a request on the 2-core VMs, where 16 bytes cost 0.15-0.38 ms as the VM's
speed moved). `/health` is no such floor: it is a FastAPI route behind the middleware stack
that reads the schema revision from the database.

`python -m bench.empty_server PORT [BYTES]` serves it; `EmptyServer` runs that as a subprocess.
"""

import subprocess
import sys
import time
from types import TracebackType
from typing import Self

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.machine import process_cpu_seconds
from bench.server import free_port

BODY = b'{"status":"ok"}\n'


def body_of(size: int) -> bytes:
    """The answer of `size` bytes: BODY, or a JSON string that long."""
    return BODY if size == len(BODY) else b'"' + b"x" * max(0, size - 2) + b'"'


def make_app(body: bytes) -> ASGIApp:
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan: nothing to start or stop
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return app


class EmptyServer:
    def __init__(self, body_bytes: int = len(BODY)) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.body = body_of(body_bytes)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.empty_server", str(self.port), str(len(self.body))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base_url, timeout=1).content == self.body:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError("the empty server did not start")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        return process_cpu_seconds(self.process.pid)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


if __name__ == "__main__":
    # The same server settings as `yardstick serve` (uvloop and httptools when installed).
    size = int(sys.argv[2]) if len(sys.argv) > 2 else len(BODY)
    uvicorn.run(
        make_app(body_of(size)),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
    )
