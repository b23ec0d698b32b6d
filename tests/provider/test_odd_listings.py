"""A vendor's `/models` answer of an odd shape lists nothing rather than failing the listing."""

from typing import Any

import pytest
from aiohttp import web

from tests.provider.helpers import serving
from yardstick.provider import Providers


def _listed(body: Any) -> list[str]:
    """The `openai` vendor's models when its `/v1/models` answers 200 with `body`."""

    async def models(_: web.Request) -> web.Response:
        return web.json_response(body)

    async def work(providers: Providers) -> list[str]:
        return await providers.list_models("openai")

    return serving("GET", "/models", models, work)


@pytest.mark.parametrize("data", [None, 7, "fake-chat", {"id": "fake-chat"}])
def test_a_listing_whose_data_is_not_a_list_is_empty(data: Any) -> None:
    """`{"data": null}` must not raise (a TypeError was a 500 for the whole models listing)."""
    assert _listed({"object": "list", "data": data}) == []


def test_entries_without_a_string_id_are_skipped() -> None:
    body = {"data": [{"id": "b"}, {"id": None}, {"id": 3}, "a", {"id": "a"}, {"name": "c"}]}
    assert _listed(body) == ["a", "b"]
