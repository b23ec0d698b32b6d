"""A vendor's `/models` answer of an odd shape lists nothing rather than failing the listing."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.fixtures.server import free_port
from tests.provider.helpers import run, settings
from yardstick.provider import Providers


async def _serving(body: Any, work: Callable[[Providers], Awaitable[list[str]]]) -> list[str]:
    """`work` against a vendor whose `/v1/models` answers 200 with `body`."""

    async def models(_: web.Request) -> web.Response:
        return web.json_response(body)

    app = web.Application()
    app.router.add_get("/v1/models", models)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    providers = Providers(settings(openai_base_url=f"http://127.0.0.1:{port}/v1"))
    try:
        return await work(providers)
    finally:
        await providers.aclose()
        await runner.cleanup()


@pytest.mark.parametrize("data", [None, 7, "fake-chat", {"id": "fake-chat"}])
def test_a_listing_whose_data_is_not_a_list_is_empty(data: Any) -> None:
    """`{"data": null}` must not raise (a TypeError was a 500 for the whole models listing)."""

    async def work(p: Providers) -> list[str]:
        return await p.list_models("openai")

    async def main(_: Providers) -> list[str]:
        return await _serving({"object": "list", "data": data}, work)

    assert run(Providers(settings()), main) == []


def test_entries_without_a_string_id_are_skipped() -> None:
    body = {"data": [{"id": "b"}, {"id": None}, {"id": 3}, "a", {"id": "a"}, {"name": "c"}]}

    async def work(p: Providers) -> list[str]:
        return await p.list_models("openai")

    async def main(_: Providers) -> list[str]:
        return await _serving(body, work)

    assert run(Providers(settings()), main) == ["a", "b"]
