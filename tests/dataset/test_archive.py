import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient

from tests.dataset.factories import make_dataset, unique


def test_delete_answers_with_the_deleted_envelope(client: SGPClient) -> None:
    dataset = make_dataset(client)

    response = client.datasets.delete(dataset.id)

    assert response.to_dict() == {"id": dataset.id, "deleted": True, "object": "dataset"}


def test_deleted_dataset_is_not_found_unless_archived_ones_are_asked_for(client: SGPClient) -> None:
    dataset = make_dataset(client)
    client.datasets.delete(dataset.id)

    with pytest.raises(NotFoundError):
        client.datasets.retrieve(dataset.id)
    archived = client.datasets.retrieve(dataset.id, include_archived=True)
    assert archived.archived_at is not None
    assert (archived.name, archived.current_version_num) == (dataset.name, 1)


def test_deleted_dataset_leaves_lists_unless_archived_ones_are_asked_for(client: SGPClient) -> None:
    tag = unique("tag")
    kept, gone = make_dataset(client, tag=tag), make_dataset(client, tag=tag)
    client.datasets.delete(gone.id)

    assert [d.id for d in client.datasets.list(tags=[tag])] == [kept.id]
    assert [d.id for d in client.datasets.list(tags=[tag], include_archived=True)] == [
        gone.id,
        kept.id,
    ]
    assert client.datasets.list(tags=[tag]).to_dict()["total"] == 1


def test_deleting_again_is_a_final_conflict_and_keeps_the_first_archive_time(
    client: SGPClient,
) -> None:
    dataset = make_dataset(client)
    client.datasets.delete(dataset.id)
    first = client.datasets.retrieve(dataset.id, include_archived=True).archived_at

    with pytest.raises(ConflictError) as caught:
        client.datasets.delete(dataset.id)

    assert caught.value.response.headers["x-should-retry"] == "false"
    assert client.datasets.retrieve(dataset.id, include_archived=True).archived_at == first


def test_items_of_a_deleted_dataset_are_hidden(client: SGPClient) -> None:
    dataset = make_dataset(client, 2)
    item = next(iter(client.dataset_items.list(dataset_id=dataset.id)))
    client.datasets.delete(dataset.id)

    with pytest.raises(NotFoundError):
        client.dataset_items.retrieve(item.id)
    with pytest.raises(NotFoundError):
        client.dataset_items.list(dataset_id=dataset.id)
    assert item.id not in {i.id for i in client.dataset_items.list()}
    archived = client.dataset_items.list(dataset_id=dataset.id, include_archived=True)
    assert len(archived.items) == 2


def test_a_deleted_dataset_takes_no_writes(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    item = next(iter(client.dataset_items.list(dataset_id=dataset.id)))
    client.datasets.delete(dataset.id)

    with pytest.raises(ConflictError):
        client.datasets.update(dataset.id, name="x")
    with pytest.raises(NotFoundError):
        client.dataset_items.batch_create(dataset_id=dataset.id, data=[{"i": 1}])
    with pytest.raises(NotFoundError):
        client.dataset_items.update(item.id, data={"i": 2})
    with pytest.raises(NotFoundError):
        client.dataset_items.delete(item.id)
    assert client.datasets.retrieve(dataset.id, include_archived=True).current_version_num == 1


def test_an_item_deleted_before_its_dataset_is_not_found_either(client: SGPClient) -> None:
    """The dataset's archive decides first: an item deleted earlier answered 409 ("already
    archived") where its live sibling answered 404."""
    dataset = make_dataset(client, 2)
    deleted, live = list(client.dataset_items.list(dataset_id=dataset.id))
    client.dataset_items.delete(deleted.id)
    client.datasets.delete(dataset.id)

    for item in (deleted, live):
        with pytest.raises(NotFoundError):
            client.dataset_items.update(item.id, data={"i": 2})
        with pytest.raises(NotFoundError):
            client.dataset_items.delete(item.id)
    assert client.datasets.retrieve(dataset.id, include_archived=True).current_version_num == 2
