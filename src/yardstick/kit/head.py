"""HEAD wherever GET is served (RFC 9110 requires it): FastAPI's routes answer GET alone, and a
load balancer's health check, or `curl -I`, met a 405.

Pure ASGI: the request goes on as a GET, and its answer's head is sent without the body (the
server, which knows the request was a HEAD, expects none). The scope says it was a HEAD
(`HEAD_REQUEST`), for the metrics, which count it as one.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_REQUEST = "yardstick.head"


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a chunk of the body: dropped
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_REQUEST: True}, receive, send_head)
