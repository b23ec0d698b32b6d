import time
from typing import Any

import httpx
from scale_gp_beta import SGPClient
from scale_gp_beta.types import Evaluation, EvaluationItem

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server

MODEL = "openai/fake-chat"


def chat_task(alias: str, content: str = "item.input", **config: Any) -> dict[str, Any]:
    return {
        "task_type": "chat_completion",
        "alias": alias,
        "configuration": {
            "model": MODEL,
            "messages": [{"role": "user", "content": content}],
            **config,
        },
    }


def wait_until_done(client: SGPClient, evaluation_id: str, timeout: float = 120) -> Evaluation:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        evaluation = client.evaluations.retrieve(evaluation_id)
        if evaluation.status != "running":
            return evaluation
        time.sleep(0.1)
    raise AssertionError(f"evaluation {evaluation_id} still running after {timeout}s")


def items_of(client: SGPClient, evaluation_id: str) -> list[EvaluationItem]:
    return list(client.evaluation_items.list(evaluation_id=evaluation_id, limit=1000))


def extra(model: Any, name: str) -> Any:
    return (model.model_extra or {})[name]


def search_spans(server: Server, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every span a search finds, page after page."""
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        while True:
            page = http.post("/v5/spans/search", params=params, json=body)
            assert page.status_code == 200, page.text
            found += page.json()["items"]
            if not page.json()["has_more"]:
                return found
            params["starting_after"] = found[-1]["id"]


def wait_for_calls_in_flight(fake: FakeModels) -> None:
    """Until the model server holds calls: on a loaded machine the engine can be between two
    batches of calls at the moment progress is seen."""
    deadline = time.monotonic() + 10
    while fake.stats()["in_flight"] == 0:
        assert time.monotonic() < deadline, "no model call in flight"
        time.sleep(0.01)
