from scale_gp_beta import SGPClient

from tests.dataset.factories import content_hash, items_of, make_dataset, rows, values, version_of
from tests.dataset_item.test_content_hash import SAMPLES


def test_batch_create_returns_the_new_items_in_input_order(client: SGPClient) -> None:
    dataset = make_dataset(client, 2)
    data: list[dict[str, object]] = [{"i": 5}, {"i": 3}, {"i": 4, "nested": {"z": [1, None, True]}}]

    created = client.dataset_items.batch_create(dataset_id=dataset.id, data=data)

    assert created.object == "list"
    assert [item.data for item in created.items] == data
    assert {item.dataset_id for item in created.items} == {dataset.id}
    assert {item.object for item in created.items} == {"dataset.item"}
    assert all(item.archived_at is None for item in created.items)
    assert all(item.created_at == item.updated_at for item in created.items)


def test_batch_create_appends_after_the_existing_items(client: SGPClient) -> None:
    dataset = make_dataset(client, 2)

    created = client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(3, start=2))

    items = items_of(client, dataset.id)
    assert values(items) == [0, 1, 2, 3, 4]
    assert [item.to_dict() for item in items[2:]] == [item.to_dict() for item in created.items]


def test_each_batch_is_one_version(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)

    client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(50))
    client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(1))

    assert version_of(client, dataset.id) == 3


def test_retrieve_returns_what_batch_create_returned(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    created = client.dataset_items.batch_create(dataset_id=dataset.id, data=[{"q": "2+2?"}])
    item = created.items[0]

    assert client.dataset_items.retrieve(item.id).to_dict() == item.to_dict()


def test_batch_create_attaches_files(client: SGPClient) -> None:
    dataset = make_dataset(client, 1)
    file_id = client.files.create(file=("doc.txt", b"hello", "text/plain")).id
    body = {"dataset_id": dataset.id, "data": [{"q": 1}, {"q": 2}], "files": [{"doc": file_id}, {}]}

    created = client.post("/v5/dataset-items/batch", body=body, cast_to=object)

    assert [item["files"] for item in created["items"]] == [{"doc": file_id}, {}]  # type: ignore[index]
    stored = [client.dataset_items.retrieve(item["id"]) for item in created["items"]]  # type: ignore[index]
    assert [item.files for item in stored] == [{"doc": file_id}, {}]


def test_a_batch_of_mixed_rows_is_stored_row_for_row(client: SGPClient) -> None:
    # On SQLite a batch's texts travel as one BLOB that each row slices by its byte offsets:
    # rows of multi-byte characters, escapes and empty objects side by side, with and without
    # files, must each come back exactly as sent.
    dataset = make_dataset(client, 1)
    file_id = client.files.create(file=("doc.txt", b"hello", "text/plain")).id
    mixed: list[dict[str, object]] = [*SAMPLES, {"text": "😀" * 300}, {"q": "日本語" * 100, "n": 1}]
    data = mixed * 40  # 360 rows: more than one of the chunks SQLite writes them in
    files: list[dict[str, str]] = [{"doc": file_id} if i % 3 == 0 else {} for i in range(len(data))]
    body = {"dataset_id": dataset.id, "data": data, "files": files}

    created = client.post("/v5/dataset-items/batch", body=body, cast_to=object)

    ids = [item["id"] for item in created["items"]]  # type: ignore[index]
    stored = items_of(client, dataset.id)[1:]
    assert [item.id for item in stored] == ids
    for item, row, attached in zip(stored, data, files, strict=True):
        assert item.data == row
        assert item.content_hash == content_hash(row)
        assert item.files == attached
    for item in stored[:: len(mixed) + 1]:
        assert client.dataset_items.retrieve(item.id).to_dict() == item.to_dict()
