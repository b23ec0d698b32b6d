"""Answering from a pure ASGI middleware, before any route: a JSON body, sent in one piece."""

import orjson
from starlette.types import Send


async def send_json(
    send: Send, status: int, body: object, headers: dict[str, str] | None = None
) -> None:
    """Send `body` as JSON with `status`; `body` may be ready-made JSON bytes. A `headers`
    content-type replaces the JSON one (a stored response replayed as it was)."""
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    extra = headers or {}
    raw = [(b"content-length", str(len(content)).encode())]
    if "content-type" not in extra:
        raw.append((b"content-type", b"application/json"))
    raw += [(name.encode(), value.encode()) for name, value in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})
