"""Tasks are stored as submitted, with a resolved task_type and alias."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.evaluation.helpers import (
    DEFAULT_ALIASES,
    MODEL,
    configurations,
    make_evaluation,
    make_question,
    task,
)

TASK_TYPES = list(DEFAULT_ALIASES)


@pytest.fixture
def question_id(client: SGPClient) -> str:
    return make_question(client)


def tasks_on_the_wire(http: httpx.Client, evaluation_id: str) -> list[dict[str, Any]]:
    body = http.get(f"/v5/evaluations/{evaluation_id}", params={"views": "tasks"}).json()
    tasks: list[dict[str, Any]] = body["tasks"]
    return tasks


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_each_type_gets_its_default_alias(
    client: SGPClient, question_id: str, task_type: str
) -> None:
    configuration = configurations(question_id)[task_type]

    evaluation = make_evaluation(
        client, data=[{"input": "x", "expected": "y"}], tasks=[task(task_type, configuration)]
    )

    assert [t.to_dict() for t in evaluation.tasks or []] == [
        {
            "task_type": task_type,
            "alias": DEFAULT_ALIASES[task_type],
            "configuration": configuration,
        }
    ]


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_task_type_is_inferred_from_the_configuration(
    client: SGPClient, http: httpx.Client, question_id: str, task_type: str
) -> None:
    configuration = configurations(question_id)[task_type]

    evaluation = make_evaluation(client, data=[{"input": "x"}], tasks=[task(None, configuration)])

    assert tasks_on_the_wire(http, evaluation.id) == [
        {
            "task_type": task_type,
            "alias": DEFAULT_ALIASES[task_type],
            "configuration": configuration,
        }
    ]


@pytest.mark.parametrize(
    "metric_type", ["bleu", "meteor", "cosine_similarity", "f1", "rouge1", "rouge2", "rougeL"]
)
def test_a_metrics_default_alias_is_its_type(client: SGPClient, metric_type: str) -> None:
    configuration = {"type": metric_type, "candidate": "item.a", "reference": "item.b"}

    evaluation = make_evaluation(
        client, data=[{"a": "x", "b": "y"}], tasks=[task(None, configuration)]
    )

    assert [(t.task_type, t.alias) for t in evaluation.tasks or []] == [("metric", metric_type)]


def test_configurations_are_echoed_exactly_as_submitted(
    client: SGPClient, http: httpx.Client
) -> None:
    tasks = [
        task(
            "chat_completion",
            {
                "model": MODEL,
                "messages": "item.conversation",
                "temperature": "item.settings.temperature",
                "max_tokens": 64,
                "stop": "END",
                "vendor_specific": {"nested": ["item.input", "{{item.input}}", 1.5, None, True]},
            },
            alias="answer",
        ),
        task(
            "auto_evaluation.guided_decoding",
            {
                "model": MODEL,
                "prompt": "Q: {{ item.input }}\nA: {{item.answer}}\nCorrect?",
                "choices": ["Yes", "No"],
                "system_prompt": "Be strict.",
                "inference_args": {"temperature": 0},
            },
            alias="correct",
        ),
        task(None, {"model": MODEL}, alias="bare"),
    ]
    row: dict[str, object] = {
        "input": "sky?",
        "conversation": [{"role": "user", "content": "sky?"}],
        "settings": {"temperature": 0.2},
    }

    evaluation = make_evaluation(client, data=[row], tasks=tasks)

    expected = [
        {
            "task_type": "chat_completion",
            "alias": "answer",
            "configuration": tasks[0]["configuration"],
        },
        {
            "task_type": "auto_evaluation.guided_decoding",
            "alias": "correct",
            "configuration": tasks[1]["configuration"],
        },
        {"task_type": "inference", "alias": "bare", "configuration": {"model": MODEL}},
    ]
    assert tasks_on_the_wire(http, evaluation.id) == expected
    created = http.post(
        "/v5/evaluations", json={"name": "echo", "data": [row], "tasks": tasks}
    ).json()
    assert created["tasks"] == expected


def test_tasks_keep_their_order_and_explicit_aliases(client: SGPClient, question_id: str) -> None:
    configs = configurations(question_id)
    order = list(reversed(TASK_TYPES))

    evaluation = make_evaluation(
        client,
        data=[{"input": "x", "expected": "y"}],
        tasks=[task(t, configs[t], alias=f"col{i}") for i, t in enumerate(order)],
    )

    assert [(t.task_type, t.alias) for t in evaluation.tasks or []] == [
        (t, f"col{i}") for i, t in enumerate(order)
    ]


def test_no_tasks_is_an_empty_list(client: SGPClient) -> None:
    evaluation = make_evaluation(client)

    assert evaluation.tasks == []
    assert client.evaluations.retrieve(evaluation.id, views=["tasks"]).tasks == []


def test_every_tasks_cell_starts_pending(
    client: SGPClient, http: httpx.Client, question_id: str
) -> None:
    configs = configurations(question_id)
    data: list[dict[str, object]] = [{"input": "a", "expected": "b"}, {"input": "c"}]

    evaluation = make_evaluation(client, data=data, tasks=[task(t, configs[t]) for t in TASK_TYPES])

    aliases = list(DEFAULT_ALIASES.values())
    body = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation.id}).json()
    assert [item["data"] for item in body["items"]] == [
        {**row, **dict.fromkeys(aliases)} for row in data
    ]
    assert [item["task_result_statuses"] for item in body["items"]] == [
        dict.fromkeys(aliases, "pending")
    ] * 2
    assert [item["task_errors"] for item in body["items"]] == [{}, {}]
