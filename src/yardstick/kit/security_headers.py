"""Headers that keep a browser from turning an API response into an attack.

Every response says `nosniff` (a JSON body or a file is never re-read as HTML or script),
refuses to be framed, and sends no referrer. A file's bytes come back with the mime type its
uploader chose, which may be `text/html`: besides the attachment disposition, the file route
adds `Content-Security-Policy: sandbox`, so even a browser that renders it runs no script and
gets no origin (`FILE_HEADERS`).
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
FILE_HEADERS = {"content-security-policy": "sandbox"}


class SecurityHeaders:
    """Pure ASGI (no body buffering): adds `HEADERS` to every HTTP response's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
