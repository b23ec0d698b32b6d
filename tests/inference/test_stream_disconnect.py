"""A streamed call whose client hangs up stops its upstream call at once, whether the upstream
has sent nothing yet or has gone silent mid-stream: it holds a vendor slot every account shares."""

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import httpx
import orjson
import pytest
from aiohttp import web

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server, free_port, run_server

HELLO = [{"role": "user", "content": "hello"}]
STREAMED = [
    ("/v5/chat/completions", {"model": "openai/fake-chat", "messages": HELLO, "stream": True}),
    ("/v5/completions", {"model": "openai/fake-instruct", "prompt": "x", "stream": True}),
]


def _headers(server: Server) -> dict[str, str]:
    return {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}


@pytest.mark.parametrize(("path", "body"), STREAMED)
def test_a_stream_whose_client_hangs_up_before_its_first_chunk_is_cancelled(
    llm_server: Server, fake_models: FakeModels, path: str, body: dict[str, Any]
) -> None:
    fake_models.control(hang_next=1)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{llm_server.base_url}{path}", json=body, headers=_headers(llm_server), timeout=1
        )
    deadline = time.monotonic() + 5
    while fake_models.stats()["in_flight"]:
        assert time.monotonic() < deadline, "the upstream call outlived its client"
        time.sleep(0.05)


class StallingUpstream:
    """An OpenAI-style upstream that streams one chunk, then stays silent until hung up on."""

    def __init__(self) -> None:
        self.port = free_port()
        self.open_streams = 0
        self.served = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        self.open_streams += 1
        self.served += 1
        try:
            chunk = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}
            await response.write(b"data: " + orjson.dumps(chunk) + b"\n\n")
            while request.transport is not None and not request.transport.is_closing():
                await asyncio.sleep(0.05)
        finally:
            self.open_streams -= 1
        return response

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def stalling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, StallingUpstream]]:
    tmp = tmp_path_factory.mktemp("stalling")
    with StallingUpstream() as upstream:
        providers = tmp / "providers.toml"
        providers.write_text(
            f'[vendors.stall]\nbase_url = "http://127.0.0.1:{upstream.port}/v1"\n'
            "timeout_seconds = 600\n"
        )
        for server in run_server("sqlite", Path(tmp), YARDSTICK_PROVIDERS_FILE=str(providers)):
            yield server, upstream


def test_a_stream_whose_client_hangs_up_mid_stream_is_cancelled(
    stalling: tuple[Server, StallingUpstream],
) -> None:
    """Otherwise the upstream call would go on until its next chunk or its read timeout (600 s)."""
    server, upstream = stalling
    body = {"model": "stall/m", "messages": HELLO, "stream": True}
    with (
        httpx.Client(base_url=server.base_url, headers=_headers(server), timeout=10) as client,
        client.stream("POST", "/v5/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        first = next(response.iter_lines())
        assert first.startswith("data: ")
        assert upstream.open_streams == 1
    deadline = time.monotonic() + 5
    while upstream.open_streams:
        assert time.monotonic() < deadline, "the upstream stream outlived its client"
        time.sleep(0.05)
    assert upstream.served == 1
