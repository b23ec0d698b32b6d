"""Bad tasks are 422s naming the task index and field; nothing is stored."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError

from tests.evaluation.helpers import (
    MODEL,
    configurations,
    error_locs,
    evaluation_ids,
    make_question,
    task,
    unique,
)

FIRST = task("inference", {"model": MODEL}, alias="first")  # a valid task 0: the bad one is task 1
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "item.input"}]}
MISSING = "question-that-does-not-exist"


def without(task_type: str, key: str) -> Any:
    configuration = dict(configurations(MISSING)[task_type])
    del configuration[key]
    return task(task_type, configuration)


def reject(
    client: SGPClient, tasks: list[Any], data: list[dict[str, object]] | None = None
) -> list[list[Any]]:
    """Create with `tasks`; assert the 422 and that nothing was stored; return the blamed fields."""
    tag = unique("tag")
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            name=unique(), tags=[tag], data=data or [{"input": "x", "expected": "y"}], tasks=tasks
        )
    assert evaluation_ids(client, tag, include_archived=True) == []
    return error_locs(caught.value)


REQUIRED = [
    ("chat_completion", "model"),
    ("chat_completion", "messages"),
    ("inference", "model"),
    ("metric", "type"),
    ("metric", "candidate"),
    ("metric", "reference"),
    ("auto_evaluation.question", "model"),
    ("auto_evaluation.question", "prompt"),
    ("auto_evaluation.question", "question_id"),
    ("auto_evaluation.guided_decoding", "model"),
    ("auto_evaluation.guided_decoding", "prompt"),
    ("auto_evaluation.guided_decoding", "choices"),
    ("contributor_evaluation.question", "question_id"),
    ("contributor_evaluation.question", "layout"),
    ("application_variant", "application_variant_id"),
    ("application_variant", "inputs"),
]


@pytest.mark.parametrize(("task_type", "key"), REQUIRED)
def test_missing_required_configuration_key(client: SGPClient, task_type: str, key: str) -> None:
    bad = without(task_type, key)
    if "question_id" in bad["configuration"]:
        bad["configuration"]["question_id"] = make_question(client)

    assert reject(client, [FIRST, bad]) == [["body", "tasks", 1, "configuration", key]]


@pytest.mark.parametrize(
    ("bad", "loc"),
    [
        (task("summarize", {"model": MODEL}), ["task_type"]),
        (task("", {"model": MODEL}), ["task_type"]),
        (task(None, {"prompt": "hi"}), ["task_type"]),
        (task(None, {}), ["task_type"]),
        (
            task(None, {"type": "rouge3", "candidate": "item.a", "reference": "item.b"}),
            ["task_type"],
        ),
        (
            task("metric", {"type": "rouge3", "candidate": "item.a", "reference": "item.b"}),
            ["configuration", "type"],
        ),
        (
            task("auto_evaluation.guided_decoding", {"model": MODEL, "prompt": "p", "choices": []}),
            ["configuration", "choices"],
        ),
        (task(None, {"model": MODEL, "prompt": "p", "choices": []}), ["configuration", "choices"]),
        (
            task("chat_completion", {"model": MODEL, "messages": "not a locator"}),
            ["configuration", "messages"],
        ),
        (task("chat_completion", {"model": "", "messages": []}), ["configuration", "model"]),
        (task("inference", {"model": "no-such-vendor/x"}), ["configuration", "model"]),
        (task("inference", {"model": "gemini/x"}), ["configuration", "model"]),  # not configured
        (task("inference", {"model": "unregistered-name"}), ["configuration", "model"]),
        ({"task_type": "inference"}, ["configuration"]),
        ({"task_type": "inference", "configuration": "item.config"}, ["configuration"]),
        (
            task("inference", {"model": MODEL, "inference_configuration": {"num_retries": -1}}),
            ["configuration", "inference_configuration", "num_retries"],
        ),
        (
            task("inference", {"model": MODEL, "inference_configuration": {"timeout_seconds": 0}}),
            ["configuration", "inference_configuration", "timeout_seconds"],
        ),
        # One call may not hold a vendor's slot, shared by every account, for hours on end.
        (
            task("inference", {"model": MODEL, "inference_configuration": {"num_retries": 100}}),
            ["configuration", "inference_configuration", "num_retries"],
        ),
        (
            task(
                "inference",
                {"model": MODEL, "inference_configuration": {"timeout_seconds": 3601}},
            ),
            ["configuration", "inference_configuration", "timeout_seconds"],
        ),
        (
            task("chat_completion", {**CHAT, "run_condition": {"op": "eq", "left": 1}}),
            ["configuration", "run_condition", "right"],
        ),
        (
            task("inference", {"model": MODEL, "run_condition": "item.go"}),
            ["configuration", "run_condition"],
        ),
    ],
)
def test_bad_task(client: SGPClient, bad: dict[str, Any], loc: list[Any]) -> None:
    assert reject(client, [FIRST, bad]) == [["body", "tasks", 1, *loc]]


@pytest.mark.parametrize(
    "task_type",
    ["metric", "custom_function", "application_variant", "contributor_evaluation.question"],
)
def test_a_run_condition_where_it_would_be_ignored_is_refused(
    client: SGPClient, task_type: str
) -> None:
    configuration = {
        **configurations(make_question(client)),
        "custom_function": {"function_source": "def score(input):\n    return 1\n"},
    }[task_type]
    condition = {"op": "const", "value": False}
    bad = task(task_type, {**configuration, "run_condition": condition})
    tag = unique("tag")

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            name=unique(), tags=[tag], data=[{"input": "x", "expected": "y"}], tasks=[FIRST, bad]
        )

    assert error_locs(caught.value) == [["body", "tasks", 1, "configuration", "run_condition"]]
    assert f"{task_type} tasks take no run_condition" in str(caught.value.body)
    assert evaluation_ids(client, tag, include_archived=True) == []


@pytest.mark.parametrize(
    "task_type", ["auto_evaluation.question", "contributor_evaluation.question"]
)
def test_unknown_question_id(client: SGPClient, task_type: str) -> None:
    bad = task(task_type, configurations(MISSING)[task_type])

    assert reject(client, [FIRST, bad]) == [["body", "tasks", 1, "configuration", "question_id"]]


@pytest.mark.parametrize(
    "task_type", ["auto_evaluation.question", "contributor_evaluation.question"]
)
def test_other_accounts_question_id(
    client: SGPClient, other_client: SGPClient, task_type: str
) -> None:
    theirs = make_question(other_client)
    bad = task(task_type, configurations(theirs)[task_type])

    assert reject(client, [FIRST, bad]) == [["body", "tasks", 1, "configuration", "question_id"]]


def test_archived_question_id(client: SGPClient, http: httpx.Client) -> None:
    archived = make_question(client)
    assert http.delete(f"/v5/questions/{archived}").status_code == 200
    bad = task("auto_evaluation.question", configurations(archived)["auto_evaluation.question"])

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(name=unique(), data=[{"input": "x"}], tasks=[FIRST, bad])
    assert f"question {archived!r} is archived; restore it to use it" in str(caught.value.body)


def test_duplicate_explicit_aliases(client: SGPClient) -> None:
    tasks = [
        FIRST,
        task("inference", {"model": MODEL}, alias="second"),
        task("chat_completion", configurations(MISSING)["chat_completion"], alias="first"),
    ]

    assert reject(client, tasks) == [["body", "tasks", 2, "alias"]]


@pytest.mark.parametrize(
    "task_type", ["chat_completion", "inference", "metric", "auto_evaluation.guided_decoding"]
)
def test_two_unnamed_tasks_of_one_type(client: SGPClient, task_type: str) -> None:
    unnamed = task(task_type, configurations(MISSING)[task_type])

    assert reject(client, [FIRST, unnamed, unnamed]) == [["body", "tasks", 2, "alias"]]


def test_explicit_alias_clashing_with_a_default_one(client: SGPClient) -> None:
    tasks = [
        task("inference", {"model": MODEL}, alias="chat_completion"),
        task("chat_completion", configurations(MISSING)["chat_completion"]),
    ]

    assert reject(client, tasks) == [["body", "tasks", 1, "alias"]]


def test_alias_equal_to_an_input_key(client: SGPClient) -> None:
    data: list[dict[str, object]] = [{"input": "x"}, {"input": "y", "expected": "z"}]

    assert reject(client, [FIRST, task("inference", {"model": MODEL}, alias="expected")], data) == [
        ["body", "tasks", 1, "alias"]
    ]


def test_default_alias_equal_to_an_input_key(client: SGPClient) -> None:
    data: list[dict[str, object]] = [{"input": "x", "rougeL": 0.5}]
    metric = task(None, configurations(MISSING)["metric"])

    assert reject(client, [FIRST, metric], data) == [["body", "tasks", 1, "alias"]]


def test_alias_equal_to_a_dataset_items_key(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique("ds"), data=[{"question": "q", "answer": "a"}])

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            name=unique(),
            dataset_id=dataset.id,
            tasks=[task("inference", {"model": MODEL}, alias="answer")],
        )

    assert error_locs(caught.value) == [["body", "tasks", 0, "alias"]]


def test_the_first_bad_task_is_named(client: SGPClient) -> None:
    tasks = [FIRST, task("inference", {}), task("metric", {})]

    assert reject(client, tasks) == [["body", "tasks", 1, "configuration", "model"]]


def test_at_most_a_hundred_tasks(client: SGPClient, http: httpx.Client) -> None:
    f1 = {"type": "f1", "candidate": "item.input", "reference": "item.expected"}
    many = [task("metric", f1, alias=f"f{i}") for i in range(100)]
    # Every task's cell is a column of an item's row: 200 once failed the items' page (500).
    assert reject(client, [*many, task("metric", f1, alias="one_more")]) == [["body", "tasks"]]

    evaluation = client.evaluations.create(
        name=unique(), data=[{"input": "a b", "expected": "a"}] * 2, tasks=many
    )
    items = list(client.evaluation_items.list(evaluation_id=evaluation.id))
    assert len(items) == 2
    # Nor can a task added later make 101.
    added = http.post(
        f"/v5/evaluations/{evaluation.id}/tasks",
        json={"task": task("metric", f1, alias="one_more")},
    )
    assert added.status_code == 422, added.text
    [problem] = added.json()["detail"]
    assert problem["loc"] == ["body", "task"] and "100 tasks" in problem["msg"]
