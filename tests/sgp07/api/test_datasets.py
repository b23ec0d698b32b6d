"""Datasets and dataset items through the 0.7.0 client: identity, files, archive rules, restore."""

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import ConflictError, NotFoundError, UnprocessableEntityError

from tests.sgp07.helpers import assert_final_conflict, assert_identity, error_locs, unique, upload


def test_identity_on_datasets_and_items(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=[{"q": "a"}])

    assert_identity(dataset)
    assert_identity(client.datasets.retrieve(dataset.id))
    [item] = client.dataset_items.list(dataset_id=dataset.id)
    assert_identity(item)
    assert item.files == {}


def test_files_on_create_batch_and_update(client: SGPClient) -> None:
    a, b = upload(client), upload(client)
    dataset = client.datasets.create(
        name=unique(), data=[{"q": 1}, {"q": 2}], files=[{"doc": a}, {}]
    )

    items = list(client.dataset_items.list(dataset_id=dataset.id))
    assert [item.files for item in items] == [{"doc": a}, {}]

    [added] = client.dataset_items.batch_create(
        dataset_id=dataset.id, data=[{"q": 3}], files=[{"doc": b}]
    ).items
    assert added.files == {"doc": b}

    updated = client.dataset_items.update(items[0].id, data={"q": 10})
    assert updated.files == {"doc": a}  # files left out are kept
    replaced = client.dataset_items.update(items[0].id, data={"q": 11}, files={"img": b})
    assert replaced.files == {"img": b}
    # Earlier versions keep the files they had.
    at_v1 = client.dataset_items.retrieve(items[0].id, version=1)
    assert at_v1.files == {"doc": a}


@pytest.mark.parametrize(
    ("files", "loc"),
    [([{"doc": "missing"}], ["body", "files", 0, "doc"]), ([{}, {}], ["body", "files"])],
)
def test_bad_files_are_422s(
    client: SGPClient, files: list[dict[str, str]], loc: list[object]
) -> None:
    name = unique()
    with pytest.raises(UnprocessableEntityError) as caught:
        client.datasets.create(name=name, data=[{"q": 1}], files=files)

    assert error_locs(caught.value) == [loc]
    assert list(client.datasets.list(name=name)) == []

    dataset = client.datasets.create(name=unique(), data=[{"q": 1}])
    with pytest.raises(UnprocessableEntityError) as caught:
        client.dataset_items.batch_create(dataset_id=dataset.id, data=[{"q": 2}], files=files)
    assert error_locs(caught.value) == [loc]
    assert client.datasets.retrieve(dataset.id).current_version_num == 1

    [item] = client.dataset_items.list(dataset_id=dataset.id)
    with pytest.raises(UnprocessableEntityError) as caught:
        client.dataset_items.update(item.id, data={"q": 3}, files={"doc": "missing"})
    assert error_locs(caught.value) == [["body", "files", "doc"]]


def test_archive_twice_and_update_archived_are_final_conflicts(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=[{"q": 1}, {"q": 2}])
    first, second = list(client.dataset_items.list(dataset_id=dataset.id))

    client.dataset_items.archive(first.id)
    with pytest.raises(ConflictError) as caught:
        client.dataset_items.archive(first.id)
    assert_final_conflict(caught.value)
    with pytest.raises(ConflictError) as caught:
        client.dataset_items.update(first.id, data={"q": 9})
    assert_final_conflict(caught.value)
    assert client.datasets.retrieve(dataset.id).current_version_num == 2

    client.datasets.archive(dataset.id)
    with pytest.raises(ConflictError) as caught:
        client.datasets.archive(dataset.id)
    assert_final_conflict(caught.value)
    with pytest.raises(ConflictError) as caught:
        client.datasets.update(dataset.id, dataset={"name": "no"})
    assert_final_conflict(caught.value)
    with pytest.raises(NotFoundError):
        client.dataset_items.retrieve(second.id)


def test_restore_brings_back_the_dataset_and_its_items(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=[{"q": 1}, {"q": 2}])
    client.datasets.archive(dataset.id)

    restored = client.datasets.update(dataset.id, dataset={"restore": True})

    assert restored.archived_at is None
    assert len(list(client.dataset_items.list(dataset_id=dataset.id))) == 2
    renamed = client.datasets.update(dataset.id, dataset={"name": "renamed"})
    assert renamed.name == "renamed"
    assert client.datasets.update(dataset.id, dataset={"restore": True}).name == "renamed"
    with pytest.raises(UnprocessableEntityError) as caught:
        client.datasets.update(dataset.id, dataset={"restore": True, "name": "x"})  # type: ignore[typeddict-unknown-key]
    assert error_locs(caught.value) == [["body", "restore"]]
    # Only JSON's true restores: a string or a number is a 422, as for every boolean field.
    for lax in ("true", 1):
        with pytest.raises(UnprocessableEntityError) as caught:
            client.datasets.update(dataset.id, dataset={"restore": lax})  # type: ignore[typeddict-item]
        assert error_locs(caught.value) == [["body", "restore"]]


def test_list_filters_and_sorting(client: SGPClient) -> None:
    tag = unique("tag")
    for letter in "cab":
        client.datasets.create(name=f"{tag}-{letter}", data=[{"q": 1}], tags=[tag])

    assert [
        d.name for d in client.datasets.list(tags=[tag], sort_by="name", sort_order="asc", limit=1)
    ] == [
        f"{tag}-a",
        f"{tag}-b",
        f"{tag}-c",
    ]
    assert [d.name for d in client.datasets.list(name=tag.upper())] == [
        f"{tag}-b",
        f"{tag}-a",
        f"{tag}-c",
    ]


def test_a_limit_up_to_10000_is_honoured(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=[{"i": i} for i in range(1500)])

    page = client.dataset_items.list(dataset_id=dataset.id, limit=10000)

    assert (len(page.items), page.has_more) == (1500, False)
