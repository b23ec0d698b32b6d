"""FromDataset: the rows are a dataset's items, pinned at its version."""

import pytest
from scale_gp_beta import NotFoundError, SGPClient, UnprocessableEntityError

from tests.dataset.factories import data_of as dataset_data_of
from tests.dataset.factories import items_of as dataset_items_of
from tests.evaluation.helpers import (
    data_of,
    error_locs,
    evaluation_ids,
    items_of,
    make_dataset,
    rows,
    unique,
)


def test_without_data_every_live_item_at_the_current_version(client: SGPClient) -> None:
    dataset = make_dataset(client, 3)
    client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(2, start=3))  # v2
    first, second = dataset_items_of(client, dataset.id)[:2]
    client.dataset_items.delete(first.id)  # v3
    client.dataset_items.update(second.id, data={"i": 1, "edited": True})  # v4
    live = dataset_items_of(client, dataset.id)

    evaluation = client.evaluations.create(name=unique(), dataset_id=dataset.id)

    items = items_of(client, evaluation.id)
    assert [data_of(item) for item in items] == [dataset_data_of(item) for item in live]
    assert [data_of(item) for item in items] == [
        {"i": 1, "edited": True},
        {"i": 2},
        {"i": 3},
        {"i": 4},
    ]
    assert [item.dataset_item_id for item in items] == [item.id for item in live]
    assert {item.dataset_item_version_num for item in items} == {4}
    assert evaluation.status == "completed"


def test_evaluation_lists_its_dataset(client: SGPClient) -> None:
    dataset = make_dataset(client, 2)

    evaluation = client.evaluations.create(name=unique(), dataset_id=dataset.id)

    assert [d.to_dict() for d in evaluation.datasets] == [dataset.to_dict()]
    retrieved = client.evaluations.retrieve(evaluation.id)
    assert [d.to_dict() for d in retrieved.datasets] == [dataset.to_dict()]


def test_entries_pick_items_in_their_order_and_extra_keys_override(client: SGPClient) -> None:
    dataset = make_dataset(
        client, data=[{"i": 0, "q": "a"}, {"i": 1, "q": "b"}, {"i": 2, "q": "c"}]
    )
    ids = [item.id for item in dataset_items_of(client, dataset.id)]

    evaluation = client.evaluations.create(
        name=unique(),
        dataset_id=dataset.id,
        data=[
            {"dataset_item_id": ids[2], "expected": "C"},
            {"dataset_item_id": ids[0]},
            {"dataset_item_id": ids[0], "q": "A", "i": None},
        ],
    )

    items = items_of(client, evaluation.id)
    assert [data_of(item) for item in items] == [
        {"i": 2, "q": "c", "expected": "C"},
        {"i": 0, "q": "a"},
        {"i": None, "q": "A"},
    ]
    assert [item.dataset_item_id for item in items] == [ids[2], ids[0], ids[0]]
    assert {item.dataset_item_version_num for item in items} == {1}


def test_items_stay_pinned_when_the_dataset_changes(client: SGPClient) -> None:
    dataset = make_dataset(client, 2)
    evaluation = client.evaluations.create(name=unique(), dataset_id=dataset.id)
    before = [item.to_dict() for item in items_of(client, evaluation.id)]

    client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(3, start=2))
    client.dataset_items.update(dataset_items_of(client, dataset.id)[0].id, data={"i": "changed"})

    assert [item.to_dict() for item in items_of(client, evaluation.id)] == before
    assert [data_of(item) for item in items_of(client, evaluation.id)] == rows(2)


def test_later_evaluations_pin_later_versions(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    older = client.evaluations.create(name=unique(), dataset_id=dataset.id)
    client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(1, start=1))

    newer = client.evaluations.create(name=unique(), dataset_id=dataset.id)

    assert [(data_of(i), i.dataset_item_version_num) for i in items_of(client, older.id)] == [
        ({"i": 0}, 1)
    ]
    assert [(data_of(i), i.dataset_item_version_num) for i in items_of(client, newer.id)] == [
        ({"i": 0}, 2),
        ({"i": 1}, 2),
    ]


def _bad_reference(
    client: SGPClient, other_client: SGPClient, dataset_id: str, kind: str
) -> object:
    """A `dataset_item_id` value that is not a live item of dataset `dataset_id`."""
    if kind == "unknown":
        return "00000000-0000-7000-8000-000000000000"
    if kind == "empty":
        return ""
    if kind == "not a string":
        return 7
    if kind == "other dataset":
        return dataset_items_of(client, make_dataset(client, 1).id)[0].id
    if kind == "other account":
        return dataset_items_of(other_client, make_dataset(other_client, 1).id)[0].id
    assert kind == "deleted"
    deleted = dataset_items_of(client, dataset_id)[-1]
    client.dataset_items.delete(deleted.id)
    return deleted.id


@pytest.mark.parametrize(
    "kind", ["unknown", "empty", "not a string", "other dataset", "other account", "deleted"]
)
def test_entry_not_a_live_item_of_the_dataset_is_422(
    client: SGPClient, other_client: SGPClient, kind: str
) -> None:
    dataset = make_dataset(client, 2)
    good = dataset_items_of(client, dataset.id)[0].id
    bad = _bad_reference(client, other_client, dataset.id, kind)
    tag = unique("tag")

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            name=unique(),
            tags=[tag],
            dataset_id=dataset.id,
            data=[{"dataset_item_id": good}, {"dataset_item_id": bad}],
        )

    assert error_locs(caught.value) == [["body", "data", 1, "dataset_item_id"]]
    assert evaluation_ids(client, tag, include_archived=True) == []


def test_entry_without_dataset_item_id_is_422(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    good = dataset_items_of(client, dataset.id)[0].id

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(
            name=unique(),
            dataset_id=dataset.id,
            data=[{"dataset_item_id": good}, {"dataset_item_id": good}, {"i": 5}],
        )

    assert error_locs(caught.value) == [["body", "data", 2, "dataset_item_id"]]


def test_unknown_dataset_is_404(client: SGPClient) -> None:
    with pytest.raises(NotFoundError):
        client.evaluations.create(name=unique(), dataset_id="00000000-0000-7000-8000-000000000000")


def test_other_accounts_dataset_is_404(client: SGPClient, other_client: SGPClient) -> None:
    theirs = make_dataset(other_client, 1)
    tag = unique("tag")

    with pytest.raises(NotFoundError):
        client.evaluations.create(name=unique(), tags=[tag], dataset_id=theirs.id)

    assert evaluation_ids(client, tag, include_archived=True) == []


def test_archived_dataset_is_404(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    client.datasets.delete(dataset.id)

    with pytest.raises(NotFoundError):
        client.evaluations.create(name=unique(), dataset_id=dataset.id)


def test_empty_data_is_422(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    tag = unique("tag")

    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.create(name=unique(), tags=[tag], dataset_id=dataset.id, data=[])

    assert error_locs(caught.value) == [["body", "data"]]
    assert evaluation_ids(client, tag, include_archived=True) == []
