import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient

from tests.dataset.factories import items_of, make_dataset, values, version_of


def test_delete_answers_with_the_deleted_envelope(client: SGPClient) -> None:
    item = items_of(client, make_dataset(client, 1).id)[0]

    response = client.dataset_items.delete(item.id)

    assert response.to_dict() == {"id": item.id, "deleted": True, "object": "dataset.item"}


def test_deleted_item_is_not_found_and_leaves_the_list(client: SGPClient) -> None:
    dataset = make_dataset(client, 3)
    item = items_of(client, dataset.id)[1]

    client.dataset_items.delete(item.id)

    with pytest.raises(NotFoundError):
        client.dataset_items.retrieve(item.id)
    assert values(items_of(client, dataset.id)) == [0, 2]
    assert client.dataset_items.list(dataset_id=dataset.id).to_dict()["total"] == 2
    assert item.id not in {i.id for i in client.dataset_items.list()}


def test_include_archived_shows_the_deleted_item_as_it_was(client: SGPClient) -> None:
    dataset = make_dataset(client, 3)
    item = items_of(client, dataset.id)[1]
    client.dataset_items.delete(item.id)

    archived = items_of(client, dataset.id, include_archived=True)
    one = client.dataset_items.retrieve(item.id, extra_query={"include_archived": True})

    assert values(archived) == [0, 1, 2]
    page = client.dataset_items.list(dataset_id=dataset.id, include_archived=True)
    assert page.to_dict()["total"] == 3
    assert archived[1].archived_at is not None
    assert one.to_dict() == archived[1].to_dict()
    assert (one.data, one.content_hash, one.created_at) == (
        item.data,
        item.content_hash,
        item.created_at,
    )


def test_delete_is_one_version_and_deleting_again_is_a_conflict_without_one(
    client: SGPClient,
) -> None:
    dataset = make_dataset(client, 2)
    item = items_of(client, dataset.id)[0]

    client.dataset_items.delete(item.id)
    with pytest.raises(ConflictError) as caught:
        client.dataset_items.delete(item.id)

    assert caught.value.response.headers["x-should-retry"] == "false"
    assert version_of(client, dataset.id) == 2


def test_a_deleted_item_takes_no_update(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    item = items_of(client, dataset.id)[0]
    client.dataset_items.delete(item.id)

    with pytest.raises(ConflictError):
        client.dataset_items.update(item.id, data={"i": 9})
    assert version_of(client, dataset.id) == 2
