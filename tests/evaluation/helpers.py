"""Factory functions and task bodies for the evaluation and evaluation-item tests.

Every evaluation gets a tag unique to the test that made it, so a test lists "its" evaluations
with `tags=[tag]` while other tests write to the same account on the same server. Tests that
must see a whole account (unfiltered lists) make a fresh one with `fresh_client`.
"""

import uuid
from typing import Any, cast

from scale_gp_beta import SGPClient
from scale_gp_beta.types import Evaluation, EvaluationItem

from tests.conftest import make_client
from tests.dataset.factories import error_locs, make_dataset, rows, unique
from tests.fixtures.server import Server, add_account

__all__ = [
    "DEFAULT_ALIASES",
    "MODEL",
    "configurations",
    "data_of",
    "error_locs",
    "evaluation_ids",
    "fresh_client",
    "items_of",
    "make_dataset",
    "make_evaluation",
    "make_question",
    "rows",
    "task",
    "unique",
]

# Routes to the `openai` vendor, which `api_server` configures (a task model must route at create).
MODEL = "openai/gpt-4o-mini"

# The alias a task gets when none is given (a metric's is its `type`, set below).
DEFAULT_ALIASES = {
    "chat_completion": "chat_completion",
    "inference": "inference",
    "application_variant": "application_variant",
    "metric": "rougeL",
    "auto_evaluation.question": "auto_evaluation_question",
    "auto_evaluation.guided_decoding": "auto_evaluation_guided_decoding",
    "contributor_evaluation.question": "contributor_evaluation_question",
}


def configurations(question_id: str) -> dict[str, dict[str, Any]]:
    """One valid configuration per task type, each with the keys its shape is inferred from."""
    return {
        "chat_completion": {
            "model": MODEL,
            "messages": [{"role": "user", "content": "item.input"}],
        },
        "inference": {"model": MODEL, "args": {"prompt": "item.input"}},
        "application_variant": {"application_variant_id": "av-1", "inputs": {"q": "item.input"}},
        "metric": {"type": "rougeL", "candidate": "item.input", "reference": "item.expected"},
        "auto_evaluation.question": {
            "model": MODEL,
            "prompt": "Is {{item.input}} right?",
            "question_id": question_id,
        },
        "auto_evaluation.guided_decoding": {
            "model": MODEL,
            "prompt": "Is {{item.input}} right?",
            "choices": ["yes", "no"],
        },
        "contributor_evaluation.question": {
            "question_id": question_id,
            "layout": {"direction": "column", "children": [{"data": "item.input", "label": "In"}]},
        },
    }


def task(task_type: str | None, configuration: dict[str, Any], alias: str | None = None) -> Any:
    """A task body with only the keys given, as the official client sends one.

    Typed `Any`: the client types `tasks` as TypedDicts per task type, and these tests also
    send bodies no TypedDict allows.
    """
    body: dict[str, Any] = {"configuration": configuration}
    if task_type is not None:
        body["task_type"] = task_type
    if alias is not None:
        body["alias"] = alias
    return body


def make_question(client: SGPClient) -> str:
    question = client.questions.create(
        name=unique("q"),
        prompt="Is it right?",
        question_type="categorical",
        configuration={"choices": ["yes", "no"]},
    )
    return question.id


def make_evaluation(
    client: SGPClient,
    count: int = 3,
    *,
    tag: str | None = None,
    name: str | None = None,
    data: list[dict[str, object]] | None = None,
    tasks: list[Any] | None = None,
) -> Evaluation:
    """A standalone evaluation of rows `{"i": 0}`, `{"i": 1}`, … (or `data`)."""
    return client.evaluations.create(
        name=name or unique("ev"),
        data=rows(count) if data is None else data,
        tags=[tag or unique("tag")],
        tasks=tasks or [],
    )


def items_of(client: SGPClient, evaluation_id: str, **params: Any) -> list[EvaluationItem]:
    """Every item the auto-pager yields for one evaluation."""
    return list(client.evaluation_items.list(evaluation_id=evaluation_id, **params))


def data_of(item: EvaluationItem) -> dict[str, Any]:
    return cast(dict[str, Any], item.data)


def evaluation_ids(client: SGPClient, tag: str, **params: Any) -> list[str]:
    return [e.id for e in client.evaluations.list(tags=[tag], **params)]


def fresh_client(server: Server) -> SGPClient:
    """The official client on a new, empty account: for assertions over a whole account."""
    account = f"acct-{uuid.uuid4().hex[:10]}"
    server.keys[account] = add_account(server.database_url, account, server.data_dir)
    return make_client(server, account)
