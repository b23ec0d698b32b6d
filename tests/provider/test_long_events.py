"""A stream's events split across the network's pieces at any byte, a long one (a big tool
call's arguments in one chunk) among them, are read whole. (Reading a long one took quadratic
time before: 64 MiB in 16 KiB pieces 11 s, the event loop blocked; now ~0.5 s. A speed figure,
so not asserted here.)"""

from typing import Any

import orjson
from aiohttp import web

from tests.provider.helpers import HELLO, serving
from yardstick.provider import Providers

EVENT_BYTES = 4 * 1024 * 1024
PIECE_BYTES = 1000  # no divisor of the lines' lengths: pieces end mid-line and mid-"\n\n"


async def _one_long_event(request: web.Request) -> web.StreamResponse:
    """A short event, one of EVENT_BYTES content, another short one, written in small pieces
    as a slow network delivers them."""
    await request.read()
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    data = b""
    for content, finish in (("a", None), ("x" * EVENT_BYTES, None), ("z", "stop")):
        choice = {"index": 0, "delta": {"content": content}, "finish_reason": finish}
        data += b"data: " + orjson.dumps({"choices": [choice]}) + b"\n\n"
    data += b"data: [DONE]\n\n"
    for start in range(0, len(data), PIECE_BYTES):
        await response.write(data[start : start + PIECE_BYTES])
    return response


def test_events_split_across_pieces_are_read_whole() -> None:
    async def work(providers: Providers) -> list[dict[str, Any]]:
        route = providers.route("openai/m")
        return [e async for e in providers.stream_chat_completion(route, HELLO)]

    events = serving("POST", "/chat/completions", _one_long_event, work)
    contents = [event["choices"][0]["delta"]["content"] for event in events]
    assert contents == ["a", "x" * EVENT_BYTES, "z"]
