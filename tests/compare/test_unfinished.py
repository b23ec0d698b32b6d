"""A comparison with a run that has not finished answers on the cells finished so far, and says
which run is still running. The fake model answers slowly, so the candidate is still running
when it is compared."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.agreement.helpers import contributor_task
from tests.dataset.factories import unique
from tests.execution.helpers import chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels

# Longer than a comparison takes, shorter than the engine's model timeout (2 s).
LATENCY_MS = 1500


@pytest.fixture
def slow_models(fake_models: FakeModels) -> Iterator[FakeModels]:
    fake_models.control(latency_ms=LATENCY_MS)
    yield fake_models
    fake_models.reset()


def test_a_running_evaluation_is_compared_with_a_warning(
    engine_client: SGPClient, engine_http: httpx.Client, slow_models: FakeModels
) -> None:
    client, http = engine_client, engine_http
    question = client.questions.create(name=unique("q"), prompt="?", question_type="free_text")
    prefill: Any = contributor_task("s", question.id, "v")
    rows = [{"id": i, "v": i % 2 == 0, "input": f"q{i}"} for i in range(4)]
    baseline = client.evaluations.create(name=unique("b"), data=rows, tasks=[prefill])
    candidate = client.evaluations.create(
        name=unique("c"), data=rows, tasks=[prefill, chat_task("answer")]
    )
    assert (baseline.status, candidate.status) == ("completed", "running")
    response = http.post(
        "/v5/comparisons",
        json={
            "baseline_evaluation_id": baseline.id,
            "candidate_evaluation_id": candidate.id,
            "aliases": ["s"],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["warnings"] == [
        {
            "type": "unfinished_run",
            "message": f"the candidate {candidate.id} is still running: only the cells it has "
            "finished are compared, so compare again once it has finished",
        }
    ]
    assert wait_until_done(client, candidate.id).status == "completed"
