"""A comparison with a run that has not finished answers on the cells finished so far, and says
which run is still running. The fake model answers slowly, so the candidate is still running
when it is compared."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.conftest import make_client
from tests.dataset.factories import unique
from tests.execution.helpers import chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server

# Longer than a comparison takes, shorter than the engine's model timeout (2 s).
LATENCY_MS = 1500


@pytest.fixture
def client(engine_server: Server) -> SGPClient:
    return make_client(engine_server)


@pytest.fixture
def http(engine_server: Server) -> Iterator[httpx.Client]:
    headers = {"x-api-key": engine_server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=engine_server.base_url, headers=headers, timeout=60) as c:
        yield c


@pytest.fixture
def slow_models(fake_models: FakeModels) -> Iterator[FakeModels]:
    fake_models.control(latency_ms=LATENCY_MS)
    yield fake_models
    fake_models.reset()


def test_a_running_evaluation_is_compared_with_a_warning(
    client: SGPClient, http: httpx.Client, slow_models: FakeModels
) -> None:
    question = client.questions.create(name=unique("q"), prompt="?", question_type="free_text")
    prefill: Any = {
        "task_type": "contributor_evaluation.question",
        "alias": "s",
        "configuration": {
            "question_id": question.id,
            "layout": {"children": [{"data": "item.id"}]},
            "prefill_from": "v",
        },
    }
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
