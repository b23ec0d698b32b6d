"""When a run completes, its worker computes the evaluation page's figures (summary, histograms,
totals) at once, so the first view of the page reads them instead of computing them."""

import time

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.execution.helpers import wait_until_done
from tests.fixtures.server import Server
from yardstick.evaluation.kept import kept_many
from yardstick.models import Evaluation

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


def test_a_completed_run_has_its_page_figures_kept(
    engine_server: Server, engine_client: SGPClient
) -> None:
    evaluation = engine_client.evaluations.create(
        name="warm",
        data=[{"output": f"answer {i}", "gold": f"answer {i % 2}"} for i in range(20)],
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
    assert wait_until_done(engine_client, evaluation.id, timeout=120).status == "completed"
    deadline = time.monotonic() + 30
    while (found := current_kinds(engine_server.database_url, evaluation.id)) != set(KINDS):
        assert time.monotonic() < deadline, f"kept after the run: {sorted(found)}"
        time.sleep(0.2)
