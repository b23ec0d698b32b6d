"""When a run of YARDSTICK_UI_WARM_MIN_CELLS cells or more completes, its worker computes the
evaluation page's figures (summary, histograms, totals) at once, so the first view of the page
reads them instead of computing them; a smaller run's page computes them on its first view."""

import time

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.execution.helpers import wait_until_done
from tests.fixtures.server import Server
from yardstick.evaluation.kept import kept_many
from yardstick.models import Evaluation
from yardstick.web.evaluation.warm import worth_warming

KINDS = ("summary", "histograms", "totals")


def not_computed(missing: list[Evaluation]) -> dict[str, object]:
    pytest.fail(f"computed on read: {[e.id for e in missing]}")


def current_kinds(database_url: str, evaluation_id: str) -> set[str]:
    """The kinds of figure kept for the evaluation's present state."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            evaluation = session.get(Evaluation, evaluation_id)
            assert evaluation is not None
            found = set()
            for kind in KINDS:
                try:
                    kept_many(session, [evaluation], kind, not_computed)
                except pytest.fail.Exception:
                    continue
                found.add(kind)
            return found
    finally:
        engine.dispose()


def _f1_run(client: SGPClient, items: int) -> str:
    evaluation = client.evaluations.create(
        name="warm",
        data=[{"output": f"answer {i}", "gold": f"answer {i % 2}"} for i in range(items)],
        tasks=[
            {
                "task_type": "metric",
                "alias": "f1",
                "configuration": {
                    "type": "f1",
                    "candidate": "item.output",
                    "reference": "item.gold",
                },
            }
        ],
    )
    assert wait_until_done(client, evaluation.id, timeout=180).status == "completed"
    return evaluation.id


def test_a_big_run_has_its_page_figures_kept_and_a_small_one_not(
    engine_server: Server, engine_client: SGPClient
) -> None:
    small = _f1_run(engine_client, 20)
    big = _f1_run(engine_client, 10_000)  # YARDSTICK_UI_WARM_MIN_CELLS's default, in cells
    deadline = time.monotonic() + 60
    while (found := current_kinds(engine_server.database_url, big)) != set(KINDS):
        assert time.monotonic() < deadline, f"kept after the run: {sorted(found)}"
        time.sleep(0.2)
    # One thread warms the runs in the order they end: had the small run been warmed, it
    # would have been before the big one was.
    assert current_kinds(engine_server.database_url, small) == set()


def test_worth_warming_counts_cells() -> None:
    evaluation = Evaluation(item_count=2_500, tasks=[{"alias": "a"}, {"alias": "b"}])
    assert not worth_warming(evaluation, 10_000)
    evaluation.item_count = 5_000
    assert worth_warming(evaluation, 10_000)
    assert worth_warming(Evaluation(item_count=0, tasks=[]), 0)
