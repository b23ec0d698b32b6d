"""Tags, listing, hard delete and isolation between accounts."""

import httpx
import pytest
from scale_gp_beta import BadRequestError, NotFoundError, SGPClient, UnprocessableEntityError

from tests.file.helpers import blob_path
from tests.fixtures.server import Server


def test_tags_are_replaced_whole(client: SGPClient) -> None:
    created = client.files.create(file=("t.txt", b"t"))
    updated = client.files.update(created.id, tags={"team": "a", "n": 1, "nested": {"x": [1]}})
    assert updated.tags == {"team": "a", "n": 1, "nested": {"x": [1]}}
    assert client.files.update(created.id, tags={"only": True}).tags == {"only": True}
    assert client.files.retrieve(created.id).tags == {"only": True}
    assert client.files.update(created.id).tags == {"only": True}  # absent: unchanged
    assert client.files.update(created.id, tags={}).tags == {}
    assert client.files.retrieve(created.id).size == 1


def test_tags_must_be_an_object(client: SGPClient) -> None:
    created = client.files.create(file=("t.txt", b"t"))
    with pytest.raises(UnprocessableEntityError):
        client.patch(f"/v5/files/{created.id}", body={"tags": ["a"]}, cast_to=object)


def test_list_newest_first_with_paging(client: SGPClient) -> None:
    ids = [client.files.create(file=(f"{i}.txt", b"x")).id for i in range(3)]
    page = client.files.list(limit=2)
    assert [f.id for f in page.items] == [ids[2], ids[1]]
    assert page.has_more is True
    assert page.total >= 3
    assert [f.id for f in client.files.list(starting_after=ids[0], sort_order="asc")] == ids[1:]
    walked = [f.id for f in client.files.list(limit=1)]
    assert walked[:3] == ids[::-1]
    assert len(walked) == len(set(walked))
    with pytest.raises(BadRequestError):
        client.files.list(starting_after="00000000-0000-7000-8000-000000000000")


def test_delete_removes_row_and_blob(server: Server, client: SGPClient) -> None:
    created = client.files.create(file=("gone.bin", b"bytes"))
    assert blob_path(server, created.id).exists()
    deleted = client.files.delete(created.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (created.id, True, "file")
    assert not blob_path(server, created.id).exists()
    for call in (client.files.retrieve, client.files.content.retrieve, client.files.delete):
        with pytest.raises(NotFoundError):
            call(created.id)
    assert created.id not in [f.id for f in client.files.list()]


def test_an_evaluation_of_a_dataset_cannot_attach_a_deleted_file(client: SGPClient) -> None:
    """The dataset item's file was deleted: an evaluation of the dataset copied its id into
    new rows, where docs/files.md says new rows can no longer attach it."""
    image = client.files.create(file=("img.png", b"png"))
    created = client.post(
        "/v5/datasets",
        body={
            "name": "with a file",
            "data": [{"q": 1}, {"q": 2}],
            "files": [{"img": image.id}, {}],
        },
        cast_to=object,
    )
    dataset_id = created["id"]  # type: ignore[index]
    client.files.delete(image.id)
    items = list(client.dataset_items.list(dataset_id=dataset_id))
    item_ids = [item.id for item in items]
    with_file = next(item.id for item in items if (item.model_extra or {}).get("files"))
    for data, loc in (
        (None, ["body", "dataset_id", with_file, "img"]),
        ([{"dataset_item_id": item_id} for item_id in item_ids], None),
    ):
        body: dict[str, object] = {"name": "e", "dataset_id": dataset_id}
        if data is not None:
            body["data"] = data
        with pytest.raises(UnprocessableEntityError) as refused:
            client.post("/v5/evaluations", body=body, cast_to=object)
        problem = refused.value.body["detail"][0]  # type: ignore[index]
        assert problem["loc"] == (loc or ["body", "data", item_ids.index(with_file), "img"])
        assert image.id in problem["msg"]


def test_unknown_id_is_404(client: SGPClient) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    with pytest.raises(NotFoundError):
        client.files.retrieve(missing)
    with pytest.raises(NotFoundError):
        client.files.update(missing, tags={"a": 1})
    with pytest.raises(NotFoundError):
        client.files.content.retrieve(missing)
    with pytest.raises(NotFoundError):
        client.files.delete(missing)


def test_another_accounts_files_are_invisible(
    server: Server, client: SGPClient, other_client: SGPClient
) -> None:
    mine = client.files.create(file=("secret.txt", b"secret"))
    with pytest.raises(NotFoundError):
        other_client.files.retrieve(mine.id)
    with pytest.raises(NotFoundError):
        other_client.files.content.retrieve(mine.id)
    with pytest.raises(NotFoundError):
        other_client.files.update(mine.id, tags={"stolen": True})
    with pytest.raises(NotFoundError):
        other_client.files.delete(mine.id)
    assert mine.id not in [f.id for f in other_client.files.list()]
    with pytest.raises(BadRequestError):
        other_client.files.list(starting_after=mine.id)
    assert blob_path(server, mine.id).exists()
    assert client.files.retrieve(mine.id).tags == {}
    theirs = other_client.files.create(file=("theirs.txt", b"t"))
    with pytest.raises(NotFoundError):
        client.files.content.retrieve(theirs.id)


def test_cloud_imports_are_a_final_501_not_a_405(http: httpx.Client) -> None:
    # SGP's `files.import_from_cloud` (0.7.0) registers blobs of an object store: none here.
    response = http.post("/v5/files/cloud_imports", json={"files": []})

    assert response.status_code == 501
    assert response.headers["x-should-retry"] == "false"
    assert "upload the file's bytes with POST /v5/files" in response.json()["detail"]
