"""A proxy on loopback that forwards GETs to a server, except those it is told to fail: what a
server restarting, or a load balancer in front of it, looks like to a client."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import httpx
import orjson

from tests.fixtures.server import free_port

# A fault: the connection closes with no answer.
HANG_UP = 0
DETAIL = "down for maintenance"


@contextmanager
def flaky_proxy(target: str, fault: Callable[[str], int | None]) -> Iterator[str]:
    """Yields the proxy's URL. `fault(path)` may answer a GET itself, with that status (and
    DETAIL) or HANG_UP; None forwards it to `target` with its `x-` headers."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = fault(self.path)
            if status == HANG_UP:
                self.close_connection = True
                return
            if status is not None:
                body = orjson.dumps({"detail": DETAIL})
            else:
                forwarded = {k: v for k, v in self.headers.items() if k.lower().startswith("x-")}
                upstream = httpx.get(target + self.path, headers=forwarded, timeout=60)
                status, body = upstream.status_code, upstream.content
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows stderr of failed tests

    proxy = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_port}"
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()
