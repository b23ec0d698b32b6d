"""Where a streamed call ends, route by route (yardstick.provider.stream_end), and answers
nested too deep to pass on: against a vendor of our own that answers what the fake model
server never does."""

import asyncio
import time
from typing import Any

import orjson
import pytest
from aiohttp import web

from tests.provider.helpers import HELLO, serving
from yardstick.provider import Providers
from yardstick.provider.client import ANSWER_DEPTH
from yardstick.provider.errors import UpstreamError

# A long per-attempt timeout: a stream read on past its end would wait for it.
SLOW = "timeout_seconds = 30\nmax_attempts = 1"


def _data(event: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(event) + b"\n\n"


def _streaming(*pieces: bytes, then: str = "close") -> Any:
    """Send `pieces`, then close the stream, keep it open (`linger`) or cut the connection
    (`abort`)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        for piece in pieces:
            await response.write(piece)
        if then == "linger":  # until the caller hangs up (at most 30 s)
            for _ in range(300):
                if request.transport is None or request.transport.is_closing():
                    break
                await asyncio.sleep(0.1)
        elif then == "abort":
            assert request.transport is not None
            request.transport.close()
        return response

    return handler


def _delta(text: str) -> bytes:
    return _data({"type": "response.output_text.delta", "delta": text})


COMPLETED = _data({"type": "response.completed", "response": {"status": "completed"}})


def _responses(seen: list[str]) -> Any:
    async def work(providers: Providers) -> float:
        started = time.monotonic()
        async for event in providers.stream_responses(providers.route("openai/m"), {"input": "x"}):
            seen.append(event["type"])
        return time.monotonic() - started

    return work


@pytest.mark.parametrize("then", ["linger", "abort"])
def test_a_responses_stream_ends_at_its_final_event(then: str) -> None:
    """Read on, a stream whose upstream kept the connection open held the caller until the
    read timeout; then, as one cut after its end did at once, it ended in an error."""
    seen: list[str] = []
    handler = _streaming(_delta("a"), COMPLETED, then=then)
    seconds = serving("POST", "/responses", handler, _responses(seen), SLOW)
    assert seen == ["response.output_text.delta", "response.completed"]
    assert seconds < 10


def test_done_before_the_final_event_cuts_a_responses_stream_short() -> None:
    seen: list[str] = []
    handler = _streaming(_delta("a"), b"data: [DONE]\n\n")
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/responses", handler, _responses(seen), SLOW)
    assert "no response.completed" in raised.value.message
    assert seen == ["response.output_text.delta"]


def _chunk(index: int, text: str, finish: str | None = None) -> bytes:
    choice = {"index": index, "delta": {"content": text}, "finish_reason": finish}
    return _data({"choices": [choice], "usage": None})


USAGE = _data({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2}})


def _chat(body: dict[str, Any]) -> Any:
    async def work(providers: Providers) -> int:
        route = providers.route("openai/m")
        return len([e async for e in providers.stream_chat_completion(route, {**HELLO, **body})])

    return work


UNFINISHED = "not every choice finished"


@pytest.mark.parametrize(
    ("body", "pieces", "lacked"),
    [
        ({"n": 2}, [_chunk(0, "a"), _chunk(1, "b"), _chunk(0, "", "stop")], UNFINISHED),
        ({}, [_chunk(0, "a"), _chunk(1, "b"), _chunk(0, "", "stop")], UNFINISHED),
        (
            {"stream_options": {"include_usage": True}},
            [_chunk(0, "a"), _chunk(0, "", "stop")],
            "no usage chunk",  # it said a choice was unfinished
        ),
        ({}, [_chunk(0, "a")], UNFINISHED),
    ],
    ids=["n=2, one finished", "a second choice unfinished", "no usage chunk", "none finished"],
)
def test_a_chat_stream_without_done_is_whole_only_once_every_choice_finished(
    body: dict[str, Any], pieces: list[bytes], lacked: str
) -> None:
    """A stream ended with no `[DONE]` while one choice of two was still going was taken
    whole: that choice's answer was cut short, silently."""
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/chat/completions", _streaming(*pieces), _chat(body), SLOW)
    assert lacked in raised.value.message


def _completion(prompt: Any) -> Any:
    async def work(providers: Providers) -> int:
        route = providers.route("openai/m")
        body = {"model": "m", "prompt": prompt}
        return len([e async for e in providers.stream_completion(route, body)])

    return work


def test_a_text_completion_of_several_prompts_is_whole_once_each_finished() -> None:
    """Two prompts, the stream cut after the first one's choice finished and no `[DONE]`: the
    second prompt's completion was dropped silently."""
    first_only = [_chunk(0, "a"), _chunk(0, "", "stop")]
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/completions", _streaming(*first_only), _completion(["x", "y"]), SLOW)
    assert UNFINISHED in raised.value.message
    both = [*first_only, _chunk(1, "b", "stop")]
    assert serving("POST", "/completions", _streaming(*both), _completion(["x", "y"]), SLOW) == 3
    # Token ids are one prompt; a list of token lists is one a list.
    assert serving("POST", "/completions", _streaming(*first_only), _completion([1, 2]), SLOW) == 2
    with pytest.raises(UpstreamError):
        serving("POST", "/completions", _streaming(*first_only), _completion([[1], [2]]), SLOW)


@pytest.mark.parametrize(
    ("body", "pieces"),
    [
        ({"n": 2}, [_chunk(0, "a"), _chunk(1, "b", "stop"), _chunk(0, "", "length")]),
        ({"stream_options": {"include_usage": True}}, [_chunk(0, "a", "stop"), USAGE]),
        ({}, [_chunk(0, "a"), b"data: [DONE]\n\n"]),  # the upstream's own word that it is done
    ],
    ids=["n=2, both finished", "usage chunk", "[DONE]"],
)
def test_a_chat_stream_that_finished_is_whole(body: dict[str, Any], pieces: list[bytes]) -> None:
    assert serving("POST", "/chat/completions", _streaming(*pieces), _chat(body), SLOW) == len(
        pieces
    ) - pieces.count(b"data: [DONE]\n\n")


def _nested(levels: int) -> bytes:
    """JSON text nested `levels` deep (orjson would not write it)."""
    return b"[" * levels + b'"deep"' + b"]" * levels


def _answering(levels: int) -> Any:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        message = b'{"role": "assistant", "content": "x", "extra": ' + _nested(levels) + b"}"
        body = b'{"choices": [{"index": 0, "message": ' + message + b"}]}"
        return web.Response(body=body, content_type="application/json")

    return handler


async def _call(providers: Providers) -> Any:
    return await providers.chat_completion(providers.route("openai/m"), HELLO)


def test_an_answer_nested_too_deep_to_pass_on_is_an_upstream_error() -> None:
    """orjson reads 1,024 levels and writes 254: the proxy answered 500 on writing it, a
    stream broke off after its 200, and a run's group commit failed on storing its calls."""
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/chat/completions", _answering(300), _call, SLOW)
    assert f"nested deeper than {ANSWER_DEPTH} levels" in raised.value.message
    seen: list[str] = []
    deep = b'data: {"type": "response.output_text.delta", "delta": ' + _nested(300) + b"}\n\n"
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/responses", _streaming(_delta("a"), deep), _responses(seen), SLOW)
    assert f"nested deeper than {ANSWER_DEPTH} levels" in raised.value.message
    assert seen == ["response.output_text.delta"]


def test_an_answer_nested_within_the_limit_is_read() -> None:
    # The message's own levels (choices, a choice, the message, the key's list) sit above.
    result = serving("POST", "/chat/completions", _answering(ANSWER_DEPTH - 6), _call, SLOW)
    orjson.dumps([[[[[[[result.response]]]]]]])  # still writable, with room to store it
