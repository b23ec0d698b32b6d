"""The SSE body of a proxied stream, apart from any server."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from yardstick.inference.service import InferenceService, ModelCallFailed


async def _nothing() -> AsyncIterator[dict[str, Any]]:
    return
    yield  # an async generator that ends at once, as a stream of `[DONE]` alone does


def test_a_stream_with_no_event_at_all_is_a_502() -> None:
    """It was a 200 with an empty body: the client saw an answer with no output."""
    with pytest.raises(ModelCallFailed) as raised:
        asyncio.run(InferenceService()._sse_stream(_nothing(), "chat.completion.chunk"))
    assert raised.value.status_code == 502
    assert raised.value.headers == {"x-should-retry": "false"}
    assert "ended with no event" in str(raised.value)
