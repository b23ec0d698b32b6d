"""The scorer processes start with the engine (YARDSTICK_SCORING_PREWARM, on by default) and
import the light scorers before any metric cell asks: a fresh server's first bleu cell does
not wait for them."""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_client
from tests.execution.helpers import wait_until_done
from tests.fixtures.server import Server, run_server
from tests.ops.helpers import scrape, value
from yardstick.scoring import service
from yardstick.scoring.service import ScorerService, close_scorer, get_scorer, prestart_scorer

WORKERS = 2


@pytest.fixture
def prewarmed(tmp_path: Path) -> Iterator[Server]:
    yield from run_server(
        "sqlite",
        tmp_path,
        YARDSTICK_SCORING_PREWARM="true",
        YARDSTICK_SCORING_WORKERS=str(WORKERS),
    )


def scorer_processes(server: Server) -> float:
    return value(scrape(server), "yardstick_scorer_pool_size")


def test_the_scorer_processes_start_with_the_server(prewarmed: Server) -> None:
    deadline = time.monotonic() + 60
    while scorer_processes(prewarmed) < WORKERS:  # and no metric cell has asked for them
        assert time.monotonic() < deadline, "the scorer processes never started"
        time.sleep(0.2)

    client = make_client(prewarmed)
    evaluation = client.evaluations.create(
        name="first bleu",
        data=[{"output": "the cat sat on the mat", "expected": "the cat sat on a mat"}],
        tasks=[
            {
                "task_type": "metric",
                "alias": "bleu",
                "configuration": {
                    "type": "bleu",
                    "candidate": "item.output",
                    "reference": "item.expected",
                },
            }
        ],
    )
    assert wait_until_done(client, evaluation.id).status == "completed"
    assert scorer_processes(prewarmed) == WORKERS  # the same pool scored it


def test_the_engine_adopts_the_pool_started_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YARDSTICK_SCORING_WORKERS", "1")
    monkeypatch.setattr(service, "_early", None)
    prestart_scorer()
    early = service._early
    assert early is not None

    async def score_on_a_loop() -> tuple[ScorerService, float]:
        scorer = get_scorer()
        try:
            return scorer, await scorer.score("f1", "the cat", "the cat")
        finally:
            await close_scorer()

    try:
        assert early.live_processes() >= 1  # started before any event loop runs
        adopted, score = asyncio.run(score_on_a_loop())
    finally:
        if early.live_processes():  # not adopted and closed: never leave processes behind
            asyncio.run(early.close())
    assert adopted is early and score == 1.0
    assert service._early is None  # adopted once: another loop gets a service of its own
