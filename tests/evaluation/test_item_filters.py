"""`GET /v5/evaluation-items?task_status=<alias>:<status>&error_type=[<alias>:]<type>`
(Yardstick's own filters), alone, together and with `completion_status`; on the evaluation
that test_summary.py runs (rows 0 and 3 prefilled, row 4 without input fails every model task).
"""

from typing import Any

import pytest

from tests.conftest import make_client
from tests.evaluation.test_summary import http_for, run_evaluation
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server


@pytest.fixture(scope="module")
def finished(engine_server: Server, fake_model_server: FakeModels) -> str:
    """One run for the whole module: the filters only read it."""
    fake_model_server.reset()
    return run_evaluation(engine_server, fake_model_server)


def rows_of(server: Server, evaluation_id: str, **params: Any) -> tuple[list[int], int]:
    """The row numbers (position in the evaluation) the filters keep, and the page's total."""
    with http_for(server) as http:
        every = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id}).json()
        order = {item["id"]: n for n, item in enumerate(every["items"])}
        response = http.get(
            "/v5/evaluation-items", params={"evaluation_id": evaluation_id, **params}
        )
        assert response.status_code == 200, response.text
        page = response.json()
    return [order[item["id"]] for item in page["items"]], page["total"]


@pytest.mark.parametrize(
    ("params", "rows"),
    [
        ({"task_status": "answer:completed"}, [0, 1, 2, 3]),
        ({"task_status": "answer:errored"}, [4]),
        ({"task_status": "review:prefilled"}, [0, 3]),
        ({"task_status": "review:pending"}, [1, 2, 4]),
        ({"task_status": "answer:skipped"}, []),
        ({"task_status": ["answer:completed", "review:pending"]}, [1, 2]),
        ({"error_type": "ItemLocatorError"}, [4]),
        ({"error_type": "answer:ItemLocatorError"}, [4]),
        ({"error_type": "review:ItemLocatorError"}, []),
        ({"error_type": "RateLimitError"}, []),
        ({"task_status": "review:prefilled", "completion_status": "passed"}, [0, 3]),
        ({"task_status": "review:pending", "completion_status": "failed"}, [4]),
        ({"error_type": "ItemLocatorError", "completion_status": "passed"}, []),
    ],
)
def test_filters(
    engine_server: Server, finished: str, params: dict[str, Any], rows: list[int]
) -> None:
    assert rows_of(engine_server, finished, **params) == (rows, len(rows))


def test_the_official_client_pages_with_them(engine_server: Server, finished: str) -> None:
    client = make_client(engine_server)
    items = client.evaluation_items.list(
        evaluation_id=finished, limit=1, extra_query={"task_status": "review:pending"}
    )
    assert len(list(items)) == 3


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"task_status": "answer"}, ["query", "task_status"]),
        ({"task_status": ":completed"}, ["query", "task_status"]),
        ({"task_status": "answer:done"}, ["query", "task_status"]),
        ({"task_status": "nope:completed"}, ["query", "task_status"]),
        ({"error_type": ""}, ["query", "error_type"]),
        ({"error_type": "answer:"}, ["query", "error_type"]),
        ({"error_type": "nope:ItemLocatorError"}, ["query", "error_type"]),
    ],
)
def test_bad_filters_are_422(
    engine_server: Server, finished: str, params: dict[str, Any], loc: list[str]
) -> None:
    with http_for(engine_server) as http:
        response = http.get("/v5/evaluation-items", params={"evaluation_id": finished, **params})
    assert response.status_code == 422, response.text
    assert [entry["loc"] for entry in response.json()["detail"]] == [loc]


def test_pending_across_evaluations_is_422(engine_server: Server, finished: str) -> None:
    """Without `evaluation_id`, `<alias>:pending` would match every item of the evaluations
    that have no such task; the other statuses match only cells that exist."""
    with http_for(engine_server) as http:
        refused = http.get("/v5/evaluation-items", params={"task_status": "review:pending"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["query", "task_status"]
        assert "needs evaluation_id" in refused.json()["detail"][0]["msg"]
        across = http.get(
            "/v5/evaluation-items", params={"task_status": "answer:completed", "limit": 1}
        )
        assert across.status_code == 200
