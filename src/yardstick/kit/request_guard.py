"""Refuse a NUL character in a request's path or query string, before any route sees it.

PostgreSQL cannot hold U+0000 in text, so an id, a name filter or a cursor carrying one would
fail inside the database there (a 500) and be looked up as usual on SQLite. Refused here, it
is the same 422 on both. (Bodies are checked as they are parsed: yardstick.kit.body.)
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from yardstick.kit.raw_response import send_json

_MESSAGE = "the NUL character (%00) is not allowed"


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = None
            if "\x00" in scope.get("path", ""):
                where = "path"
            else:
                query: bytes = scope.get("query_string", b"")
                if b"%00" in query or b"\x00" in query:
                    where = "query"
            if where is not None:
                problem = {"loc": [where], "msg": _MESSAGE, "type": "value_error"}
                await send_json(send, 422, {"detail": [problem]})
                return
        await self.app(scope, receive, send)
