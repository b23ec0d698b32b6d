"""The batching executor: concurrency, batching, failures, cancellation, crash and shutdown."""

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.scoring.reference import EXAMPLES, LONG_A, REFERENCE
from yardstick.scoring import f1
from yardstick.scoring.errors import ScoringError
from yardstick.scoring.metrics import ScoringOptions
from yardstick.scoring.service import ScorerService

OPTIONS = ScoringOptions()


def run(body: Callable[[ScorerService], Awaitable[Any]], **kwargs: Any) -> Any:
    """Run `body` with a fresh service on a fresh loop; the service is always closed."""

    async def main() -> Any:
        service = ScorerService(kwargs.pop("options", OPTIONS), **kwargs)
        try:
            return await body(service)
        finally:
            await service.close()

    return asyncio.run(main())


def workload(count: int) -> list[tuple[str, str, str]]:
    metrics = ["bleu", "rouge1", "rouge2", "rougeL", "f1", "meteor"]
    short = [pair for pair in EXAMPLES if len(pair[0]) < 1000]
    return [
        (
            metrics[i % len(metrics)],
            short[i % len(short)][0] + f" {i}",
            short[(i * 7) % len(short)][1],
        )
        for i in range(count)
    ]


def expected(metric: str, candidate: str, reference: str) -> float:
    return (
        f1.score(candidate, reference)
        if metric == "f1"
        else REFERENCE[metric](candidate, reference)
    )


@pytest.mark.parametrize("executor", ["process", "thread"])
def test_concurrent_requests_are_batched_and_scored_exactly(executor: str) -> None:
    requests = workload(240)

    async def body(service: ScorerService) -> tuple[list[float], int]:
        values = await asyncio.gather(*(service.score(*request) for request in requests))
        return values, service.batches

    values, batches = run(body, workers=2, executor=executor)
    for request, value in zip(requests, values):
        assert value == pytest.approx(expected(*request), abs=1e-6), request
    assert 2 <= batches <= 16  # 240 concurrent requests: a handful of batches, not 240


def test_requests_arriving_while_busy_join_the_next_batches() -> None:
    """Trickling requests: the first goes alone, the rest pile up while the slots are busy."""

    async def body(service: ScorerService) -> int:
        tasks = []
        for index, request in enumerate(workload(150)):
            tasks.append(asyncio.ensure_future(service.score(*request)))
            if index % 10 == 0:
                await asyncio.sleep(0)  # let the loop turn: dispatch may run in between
        await asyncio.gather(*tasks)
        return service.batches

    assert run(body, workers=2) < 150 / 5


def test_a_scorer_process_is_not_the_server_process() -> None:
    async def body(service: ScorerService) -> set[int]:
        await asyncio.gather(*(service.score("f1", f"a {i}", "a") for i in range(50)))
        return {child.pid for child in multiprocessing.active_children() if child.pid}

    children = run(body, workers=2)
    assert len(children) == 2 and os.getpid() not in children
    assert multiprocessing.active_children() == []  # close() stopped them


def test_failures_stay_with_their_cell(tmp_path: Any) -> None:
    options = ScoringOptions(wordnet_dir=str(tmp_path), embedding_model=str(tmp_path / "none"))

    async def body(service: ScorerService) -> list[Any]:
        return list(
            await asyncio.gather(
                service.score("meteor", "a b", "a b"),
                service.score("f1", "a b", "a b"),
                service.score("cosine_similarity", "a", "b"),
                service.score("no-such-metric", "a", "b"),
                service.score("bleu", "The cat sat on the mat.", "The cat sat on the mat."),
                return_exceptions=True,
            )
        )

    meteor, f1_value, cosine, unknown, bleu = run(body, workers=2, options=options)
    assert isinstance(meteor, ScoringError) and meteor.type == "MetricUnavailable"
    assert "apt-get install wordnet-base" in meteor.message
    assert isinstance(cosine, ScoringError) and cosine.type == "MetricUnavailable"
    assert "YARDSTICK_EMBEDDING_MODEL" in cosine.message
    assert isinstance(unknown, ScoringError) and unknown.type == "UnknownMetric"
    assert f1_value == 1.0 and bleu == pytest.approx(1.0)


def test_a_cancelled_caller_drops_its_result_only() -> None:
    async def body(service: ScorerService) -> list[float]:
        tasks = [asyncio.ensure_future(service.score("f1", f"a b {i}", "a b")) for i in range(40)]
        await asyncio.sleep(0)
        for task in tasks[::2]:
            task.cancel()
        done = await asyncio.gather(*tasks[1::2])
        assert all(task.cancelled() for task in tasks[::2])
        return done

    assert run(body, workers=2) == [pytest.approx(0.8)] * 20


def test_close_fails_queued_cells_and_refuses_new_ones() -> None:
    async def body(service: ScorerService) -> None:
        huge = " ".join([LONG_A] * 4)  # ~20 ms a cell: seconds of work in all
        slow = [asyncio.ensure_future(service.score("rougeL", huge, huge)) for _ in range(300)]
        await asyncio.sleep(0.5)  # batches running or queued in the pool, the rest waiting
        queued = asyncio.ensure_future(service.score("f1", "a", "a"))
        await asyncio.sleep(0)
        await service.close()
        outcomes = await asyncio.gather(*slow, queued, return_exceptions=True)
        assert any(isinstance(o, ScoringError) and o.type == "ScorerClosed" for o in outcomes)
        assert all(o == pytest.approx(1.0) or o.type == "ScorerClosed" for o in outcomes)  # type: ignore[union-attr]
        with pytest.raises(ScoringError) as refused:
            await service.score("f1", "a", "a")
        assert refused.value.type == "ScorerClosed"
        assert multiprocessing.active_children() == []

    run(body, workers=1)


def test_a_killed_scorer_process_fails_its_cells_and_the_pool_recovers() -> None:
    async def body(service: ScorerService) -> None:
        # rougeL's LCS of ~7,000 tokens a side takes ~20 ms: 300 of them keep the process
        # busy for seconds.
        huge = " ".join([LONG_A] * 4)
        cells = [asyncio.ensure_future(service.score("rougeL", huge, huge)) for _ in range(300)]
        doomed = cells[0]
        deadline = time.monotonic() + 60
        while not multiprocessing.active_children() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the process is inside the batch now
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        with pytest.raises(ScoringError) as crashed:
            await doomed
        assert crashed.value.type == "ScorerCrashed"
        await asyncio.gather(*cells, return_exceptions=True)
        assert await service.score("f1", "a b", "a b") == 1.0  # a new pool

    run(body, workers=1)
