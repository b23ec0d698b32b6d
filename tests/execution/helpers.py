import time
from typing import Any

from scale_gp_beta import SGPClient
from scale_gp_beta.types import Evaluation, EvaluationItem

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
