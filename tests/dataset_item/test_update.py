from scale_gp_beta import SGPClient

from tests.dataset.factories import content_hash, items_of, make_dataset, version_of


def test_update_replaces_the_data_whole(client: SGPClient) -> None:
    dataset = make_dataset(client, 2)
    before = items_of(client, dataset.id)[0]

    updated = client.dataset_items.update(before.id, data={"answer": 4})

    assert updated.data == {"answer": 4}
    assert updated.content_hash == content_hash({"answer": 4})
    assert (updated.id, updated.dataset_id, updated.created_at) == (
        before.id,
        dataset.id,
        before.created_at,
    )
    assert updated.created_by_user_id == before.created_by_user_id
    assert updated.updated_at > before.updated_at
    assert client.dataset_items.retrieve(before.id).to_dict() == updated.to_dict()


def test_update_keeps_the_item_in_its_place(client: SGPClient) -> None:
    dataset = make_dataset(client, 3)
    first, middle, last = items_of(client, dataset.id)

    client.dataset_items.update(middle.id, data={"i": "changed"})

    assert [i.id for i in items_of(client, dataset.id)] == [first.id, middle.id, last.id]
    assert [i.data for i in items_of(client, dataset.id)] == [{"i": 0}, {"i": "changed"}, {"i": 2}]


def test_every_update_is_one_version_even_with_the_same_data(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    item = items_of(client, dataset.id)[0]

    client.dataset_items.update(item.id, data={"i": 1})
    client.dataset_items.update(item.id, data={"i": 1})

    assert version_of(client, dataset.id) == 3
