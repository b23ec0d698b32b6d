"""An item's `data` is its row with each task alias merged in, `null` while pending.

Contributor questions wait for a human and never run, so their cells stay pending whatever the
engine does: these tests need no model and no idle worker.
"""

from typing import Any

import httpx
from scale_gp_beta import SGPClient

from tests.dataset.factories import items_of as dataset_items_of
from tests.evaluation.helpers import (
    configurations,
    items_of,
    make_dataset,
    make_evaluation,
    make_question,
    task,
    unique,
)


def wire_items(http: httpx.Client, evaluation_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http.get(
        "/v5/evaluation-items", params={"evaluation_id": evaluation_id}
    ).json()["items"]
    return items


def contributor_tasks(client: SGPClient, *aliases: str | None) -> list[Any]:
    configuration = configurations(make_question(client))["contributor_evaluation.question"]
    return [task(None, configuration, alias=alias) for alias in aliases]


def test_pending_tasks_read_null_under_their_alias(client: SGPClient, http: httpx.Client) -> None:
    data: list[dict[str, object]] = [{"input": "sky?", "expected": "blue"}, {"input": "grass?"}]
    tasks = contributor_tasks(client, "rating", None)

    evaluation = make_evaluation(client, data=data, tasks=tasks)

    aliases = ["rating", "contributor_evaluation_question"]
    items = wire_items(http, evaluation.id)
    assert [item["data"] for item in items] == [{**row, **dict.fromkeys(aliases)} for row in data]
    assert [list(item["data"]) for item in items] == [[*row, *aliases] for row in data]
    assert [item["task_result_statuses"] for item in items] == [
        dict.fromkeys(aliases, "pending")
    ] * 2
    assert [item["task_errors"] for item in items] == [{}, {}]
    assert [client.evaluation_items.retrieve(item["id"]).data for item in items] == [
        item["data"] for item in items
    ]


def test_without_tasks_data_is_the_input_row(client: SGPClient, http: httpx.Client) -> None:
    data: list[dict[str, object]] = [{"b": 1, "a": {"z": None}}]

    evaluation = make_evaluation(client, data=data)

    [item] = wire_items(http, evaluation.id)
    assert item["data"] == data[0]
    assert list(item["data"]) == ["b", "a"]
    assert (item["task_result_statuses"], item["task_errors"]) == ({}, {})


def test_from_dataset_items_get_task_columns_too(client: SGPClient, http: httpx.Client) -> None:
    dataset = make_dataset(client, data=[{"input": "a"}, {"input": "b"}])
    linked = [item.id for item in dataset_items_of(client, dataset.id)]

    evaluation = client.evaluations.create(
        name=unique(), dataset_id=dataset.id, tasks=contributor_tasks(client, "out")
    )

    items = wire_items(http, evaluation.id)
    assert [item["data"] for item in items] == [
        {"input": "a", "out": None},
        {"input": "b", "out": None},
    ]
    assert [item["dataset_item_id"] for item in items] == linked
    assert {item["dataset_item_version_num"] for item in items} == {1}
    assert [i.data for i in items_of(client, evaluation.id)] == [item["data"] for item in items]
