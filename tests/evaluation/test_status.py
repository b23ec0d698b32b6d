"""Initial status: `completed` unless a task needs executing.

The engine that runs tasks is not built yet, so only the status at creation is tested.
"""

import pytest
from scale_gp_beta import SGPClient

from tests.evaluation.helpers import (
    DEFAULT_ALIASES,
    configurations,
    make_dataset,
    make_evaluation,
    make_question,
    task,
    unique,
)

EXECUTABLE = [t for t in DEFAULT_ALIASES if t != "contributor_evaluation.question"]
ROW: dict[str, object] = {"input": "x", "expected": "y"}


@pytest.fixture
def question_id(client: SGPClient) -> str:
    return make_question(client)


def test_no_tasks_is_completed(client: SGPClient) -> None:
    evaluation = make_evaluation(client)

    assert evaluation.status == "completed"
    assert client.evaluations.retrieve(evaluation.id).status == "completed"


def test_only_contributor_tasks_is_completed(client: SGPClient, question_id: str) -> None:
    contributor = configurations(question_id)["contributor_evaluation.question"]

    evaluation = make_evaluation(
        client,
        data=[ROW],
        tasks=[task(None, contributor, alias="a"), task(None, contributor, alias="b")],
    )

    assert evaluation.status == "completed"
    assert client.evaluations.retrieve(evaluation.id).status == "completed"


@pytest.mark.parametrize("task_type", EXECUTABLE)
def test_an_executable_task_is_running(client: SGPClient, question_id: str, task_type: str) -> None:
    evaluation = make_evaluation(
        client, data=[ROW], tasks=[task(task_type, configurations(question_id)[task_type])]
    )

    assert evaluation.status == "running"
    assert client.evaluations.retrieve(evaluation.id).status == "running"


def test_contributor_and_executable_tasks_is_running(client: SGPClient, question_id: str) -> None:
    configs = configurations(question_id)

    evaluation = make_evaluation(
        client,
        data=[ROW],
        tasks=[
            task(None, configs["contributor_evaluation.question"]),
            task(None, configs["metric"]),
        ],
    )

    assert evaluation.status == "running"


def test_from_dataset_with_a_task_is_running(client: SGPClient) -> None:
    dataset = make_dataset(client, data=[ROW])

    evaluation = client.evaluations.create(
        name=unique(), dataset_id=dataset.id, tasks=[task(None, configurations("")["metric"])]
    )

    assert evaluation.status == "running"


def test_with_dataset_with_a_task_is_running(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        name=unique(),
        data=[ROW],
        dataset={"name": unique("ds")},
        tasks=[task(None, configurations("")["metric"])],
    )

    assert evaluation.status == "running"


def test_a_dataset_with_no_live_items_gives_an_empty_completed_evaluation(
    client: SGPClient,
) -> None:
    dataset = make_dataset(client, data=[ROW])
    [item] = client.dataset_items.list(dataset_id=dataset.id).items
    client.dataset_items.delete(item.id)

    evaluation = client.evaluations.create(
        name=unique(), dataset_id=dataset.id, tasks=[task(None, configurations("")["metric"])]
    )

    assert evaluation.status == "completed"
    assert client.evaluation_items.list(evaluation_id=evaluation.id).items == []
