"""The WithDataset create shape: the rows also become a new dataset."""

import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError

from tests.dataset.factories import data_of as dataset_data_of
from tests.dataset.factories import items_of as dataset_items_of
from tests.evaluation.helpers import MODEL, data_of, error_locs, items_of, task, unique

ROWS: list[dict[str, object]] = [
    {"input": "sky?", "expected": "blue", "note": "easy"},
    {"input": "grass?", "expected": "green"},
    {"input": "sea?", "note": "no expected"},
]


def test_new_dataset_holds_the_rows_projected_to_keys(client: SGPClient) -> None:
    name, tag = unique("ds"), unique("tag")

    evaluation = client.evaluations.create(
        name=unique(),
        data=ROWS,
        dataset={
            "name": name,
            "description": "made here",
            "tags": [tag],
            "keys": ["input", "expected"],
        },
    )

    assert len(evaluation.datasets) == 1
    dataset = evaluation.datasets[0]
    assert (dataset.name, dataset.description, dataset.tags) == (name, "made here", [tag])
    assert dataset.current_version_num == 1
    assert dataset.created_by_user_id == evaluation.created_by_user_id
    assert [d.id for d in client.datasets.list(name=name)] == [dataset.id]
    assert client.datasets.retrieve(dataset.id).to_dict() == dataset.to_dict()
    assert [dataset_data_of(item) for item in dataset_items_of(client, dataset.id)] == [
        {"input": "sky?", "expected": "blue"},
        {"input": "grass?", "expected": "green"},
        {"input": "sea?"},
    ]


def test_evaluation_rows_keep_the_full_row_and_link_the_new_items(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        name=unique(), data=ROWS, dataset={"name": unique("ds"), "keys": ["input"]}
    )

    dataset_items = dataset_items_of(client, evaluation.datasets[0].id)
    items = items_of(client, evaluation.id)
    assert [data_of(item) for item in items] == ROWS
    assert [item.dataset_item_id for item in items] == [item.id for item in dataset_items]
    assert {item.dataset_item_version_num for item in items} == {1}


def test_without_keys_the_dataset_holds_whole_rows(client: SGPClient) -> None:
    evaluation = client.evaluations.create(name=unique(), data=ROWS, dataset={"name": unique("ds")})

    dataset = evaluation.datasets[0]
    assert (dataset.description, dataset.tags) == (None, [])
    assert [dataset_data_of(item) for item in dataset_items_of(client, dataset.id)] == ROWS


def test_a_new_dataset_is_made_each_time(client: SGPClient) -> None:
    name = unique("ds")

    first = client.evaluations.create(name=unique(), data=ROWS, dataset={"name": name})
    second = client.evaluations.create(name=unique(), data=ROWS, dataset={"name": name})

    assert first.datasets[0].id != second.datasets[0].id
    assert [d.id for d in client.datasets.list(name=name)] == [
        second.datasets[0].id,
        first.datasets[0].id,
    ]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {"tasks": [task("chat_completion", {"model": MODEL})]},
            ["body", "tasks", 0, "configuration", "messages"],
        ),
        ({"data": []}, ["body", "data"]),
        ({"data": [{"input": "x"}, "row"]}, ["body", "data", 1]),
        ({"dataset": {"name": ""}}, ["body", "dataset", "name"]),
        ({"dataset": {"description": "no name"}}, ["body", "dataset", "name"]),
    ],
)
def test_rejected_create_leaves_no_dataset(
    client: SGPClient, body: dict[str, object], loc: list[str | int]
) -> None:
    name = unique("ds")
    full: dict[str, object] = {"name": unique(), "data": ROWS, "dataset": {"name": name}, **body}
    newest = [d.id for d in client.datasets.list(limit=1, include_archived=True).items]

    with pytest.raises(UnprocessableEntityError) as caught:
        client.post("/v5/evaluations", body=full, cast_to=object)

    assert error_locs(caught.value) == [loc]
    assert client.datasets.list(name=name, include_archived=True).items == []
    # Tests run one at a time, so the account's newest dataset is still the one from before.
    assert [d.id for d in client.datasets.list(limit=1, include_archived=True).items] == newest
