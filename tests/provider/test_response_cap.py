"""A vendor's answer, or one event of its stream, past `max_response_bytes` is refused as it
arrives (never retried, never held whole): a faulty or hostile vendor cannot fill the server's
memory, which every account's calls share."""

from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from tests.provider.helpers import HELLO, serving, settings, write_toml
from yardstick.provider import Providers
from yardstick.provider.config import MAX_RESPONSE_BYTES, ProvidersFileError, load_vendor_configs
from yardstick.provider.errors import ProviderError, UpstreamError

CAP = 10_000
CAPPED = f"max_response_bytes = {CAP}\nmax_attempts = 3"
served: list[str] = []


def _answer(content: str) -> bytes:
    choice = {"index": 0, "message": {"role": "assistant", "content": content}}
    return orjson.dumps({"choices": [choice], "finish_reason": "stop"})


async def _sized(request: web.Request) -> web.Response:
    await request.read()
    served.append("sized")
    return web.Response(body=_answer("x" * 2 * CAP), content_type="application/json")


async def _chunked(request: web.Request) -> web.StreamResponse:
    """No Content-Length: the body is counted as it comes, and the answer never ends."""
    await request.read()
    served.append("chunked")
    response = web.StreamResponse(headers={"content-type": "application/json"})
    await response.prepare(request)
    await response.write(b'{"choices": [{"index": 0, "message": {"content": "')
    try:
        while True:
            await response.write(b"x" * 1000)
    except ConnectionError:  # hung up on, as it should be
        return response


async def _small(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=_answer("x" * (CAP // 2)), content_type="application/json")


def _chat(providers: Providers) -> Any:
    async def call() -> Any:
        return await providers.chat_completion(providers.route("openai/m"), HELLO)

    return call()


@pytest.mark.parametrize("handler", [_sized, _chunked])
def test_an_answer_past_the_cap_is_refused_without_a_retry(handler: Any) -> None:
    served.clear()
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/chat/completions", handler, _chat, CAPPED)
    assert f"more than {CAP} bytes" in raised.value.message
    assert "max_response_bytes" in raised.value.message
    assert len(served) == 1 and raised.value.attempts == 1


def test_an_answer_under_the_cap_is_read() -> None:
    result = serving("POST", "/chat/completions", _small, _chat, CAPPED)
    assert len(result.response["choices"][0]["message"]["content"]) == CAP // 2


def _event(content: str, finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": finish}
    return b"data: " + orjson.dumps({"choices": [choice]}) + b"\n\n"


def _streaming(*pieces: bytes, forever: bytes = b"") -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        try:
            for piece in pieces:
                await response.write(piece)
            while forever:
                await response.write(forever)
        except ConnectionError:  # hung up on, as it should be
            pass
        return response

    return handler


def _stream(seen: list[str]) -> Any:
    async def work(providers: Providers) -> None:
        route = providers.route("openai/m")
        async for event in providers.stream_chat_completion(route, HELLO):
            seen.append(event["choices"][0]["delta"]["content"])

    return work


@pytest.mark.parametrize(
    "handler",
    [
        # One event of one long data line, in pieces.
        _streaming(
            _event("a"), *[_event("x" * 2 * CAP)[i : i + 999] for i in range(0, 2 * CAP, 999)]
        ),
        # One event of many short data lines.
        _streaming(_event("a"), *[b"data: " + b"y" * 100 + b"\n"] * 200),
        # A line that never ends.
        _streaming(_event("a"), b": ", forever=b"z" * 1000),
    ],
    ids=["long-line", "many-lines", "endless-line"],
)
def test_a_streamed_event_past_the_cap_ends_the_stream_after_the_events_before_it(
    handler: Any,
) -> None:
    seen: list[str] = []
    with pytest.raises(UpstreamError) as raised:
        serving("POST", "/chat/completions", handler, _stream(seen), CAPPED)
    assert "max_response_bytes" in raised.value.message
    assert seen == ["a"]


def test_a_stream_of_many_events_under_the_cap_is_read_whole() -> None:
    """The cap is one event's, not the stream's."""
    events = [_event("x" * 100) for _ in range(500)]
    handler = _streaming(*events, _event("", "stop"), b"data: [DONE]\n\n")
    seen: list[str] = []
    serving("POST", "/chat/completions", handler, _stream(seen), CAPPED)
    assert len(seen) == 501


@pytest.mark.parametrize("value", ["0", "-1", "1.5", '"big"', "true"])
def test_a_bad_cap_stops_the_server_at_start(tmp_path: Path, value: str) -> None:
    text = f'[vendors.openai]\nbase_url = "http://x/v1"\nmax_response_bytes = {value}\n'
    file = write_toml(tmp_path / "p.toml", text)
    with pytest.raises(ProvidersFileError, match="max_response_bytes must be a positive integer"):
        load_vendor_configs(settings(providers_file=file))


def test_the_cap_defaults_to_64_mib(tmp_path: Path) -> None:
    file = write_toml(tmp_path / "p.toml", '[vendors.openai]\nbase_url = "http://x/v1"\n')
    assert load_vendor_configs(settings(providers_file=file))["openai"].max_response_bytes == (
        MAX_RESPONSE_BYTES
    )
    assert MAX_RESPONSE_BYTES == 64 * 1024 * 1024
    assert issubclass(UpstreamError, ProviderError)
