"""Metrics counted in this process: model calls, the worker's metrics server, and the cost of
the HTTP middleware."""

import asyncio
import statistics
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import free_port
from tests.provider.helpers import HELLO, fake_providers, run
from yardstick.ops.metrics import REGISTRY, HttpMetrics, start_metrics_server, watch_queue
from yardstick.provider import Providers, UpstreamRejected


def calls(outcome: str) -> float:
    labels = {"vendor": "openai", "outcome": outcome}
    return REGISTRY.get_sample_value("yardstick_model_calls_total", labels) or 0.0


def test_model_calls_are_counted_once_each_by_outcome(fake_models: FakeModels) -> None:
    ok, rejected = calls("ok"), calls("UpstreamRejected")

    async def work(p: Providers) -> None:
        route = p.route("openai/fake-chat")
        await p.chat_completion(route, HELLO)
        async for _ in p.stream_chat_completion(route, HELLO):
            pass
        fake_models.control(fail_next=[{"status": 400, "message": "no"}])
        with pytest.raises(UpstreamRejected):
            await p.chat_completion(route, HELLO)

    run(fake_providers(fake_models), work)
    assert (calls("ok"), calls("UpstreamRejected")) == (ok + 2, rejected + 1)


def test_a_worker_serves_its_metrics_on_its_own_port() -> None:
    watch_queue(lambda: {"enqueued": 2})  # as `instrument` binds it to the database
    port = free_port()
    stop = start_metrics_server(port)
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        stop()
    samples = {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("yardstick_queue_depth", ("enqueued",))] == 2
    assert samples[("yardstick_queue_depth", ("pending",))] == 0
    assert ("yardstick_scorer_pool_size", ()) in samples


class _Route:
    path = "/v5/things/{thing_id}"


async def _endpoint(scope: dict[str, Any], receive: Any, send: Any) -> None:
    scope["route"] = _Route()  # what the router does
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def test_the_http_middleware_costs_well_under_50_microseconds() -> None:
    """The same request through a bare app and through HttpMetrics; median of 5 rounds."""

    async def send(message: Any) -> None:
        pass

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def per_request(app: Any, n: int = 5000) -> float:
        started = time.perf_counter()
        for _ in range(n):
            scope = {"type": "http", "method": "GET", "path": "/v5/things/1"}
            await app(scope, receive, send)
        return (time.perf_counter() - started) / n

    async def measure() -> float:
        wrapped = HttpMetrics(_endpoint)
        await per_request(wrapped, 100)  # the children are made on the first request
        rounds = [await per_request(wrapped) - await per_request(_endpoint) for _ in range(5)]
        return statistics.median(rounds)

    overhead = asyncio.run(measure())
    print(f"HttpMetrics overhead: {overhead * 1e6:.1f} µs per request")
    assert overhead < 50e-6
    labels = {"route": "/v5/things/{thing_id}", "method": "GET", "status": "200"}
    assert (REGISTRY.get_sample_value("yardstick_http_requests_total", labels) or 0) >= 25_100
