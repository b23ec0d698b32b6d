"""Bad dataset-item requests are 422s that name the field, and change nothing."""

from typing import Any

import pytest
from scale_gp_beta import NotFoundError, SGPClient, UnprocessableEntityError

from tests.dataset.factories import error_locs, items_of, make_dataset, version_of

OWN = "<the test's dataset>"


def nested(depth: int) -> dict[str, object]:
    """Valid JSON nested deeper than the server stores (orjson writes at most 254 levels)."""
    data: dict[str, object] = {"leaf": 1}
    for _ in range(depth):
        data = {"a": data}
    return data


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"data": [{"i": 0}]}, ["body", "dataset_id"]),
        ({"dataset_id": 7, "data": [{"i": 0}]}, ["body", "dataset_id"]),
        ({"dataset_id": OWN}, ["body", "data"]),
        ({"dataset_id": OWN, "data": []}, ["body", "data"]),
        ({"dataset_id": OWN, "data": {"i": 0}}, ["body", "data"]),
        ({"dataset_id": OWN, "data": [{"i": 0}, 1]}, ["body", "data", 1]),
        ({"dataset_id": OWN, "data": [{"i": 0}, None]}, ["body", "data", 1]),
        ({"dataset_id": OWN, "data": [{"i": 0}, [{"i": 1}]]}, ["body", "data", 1]),
        ({"dataset_id": OWN, "data": [{"i": 0}, nested(300)]}, ["body", "data", 1]),
    ],
)
def test_batch_create_rejects(
    client: SGPClient, body: dict[str, Any], loc: list[str | int]
) -> None:
    dataset = make_dataset(client, 2)
    before = [item.to_dict() for item in items_of(client, dataset.id)]

    with pytest.raises(UnprocessableEntityError) as caught:
        client.post(
            "/v5/dataset-items/batch",
            body={key: dataset.id if value == OWN else value for key, value in body.items()},
            cast_to=object,
        )

    assert error_locs(caught.value) == [loc]
    assert version_of(client, dataset.id) == 1
    assert [item.to_dict() for item in items_of(client, dataset.id)] == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "data"]),
        ({"data": None}, ["body", "data"]),
        ({"data": [{"i": 1}]}, ["body", "data"]),
        ({"data": "i"}, ["body", "data"]),
        ({"data": nested(300)}, ["body", "data"]),
    ],
)
def test_update_rejects(client: SGPClient, body: dict[str, Any], loc: list[str | int]) -> None:
    dataset = make_dataset(client, 1)
    item = items_of(client, dataset.id)[0]

    with pytest.raises(UnprocessableEntityError) as caught:
        client.patch(f"/v5/dataset-items/{item.id}", body=body, cast_to=object)

    assert error_locs(caught.value) == [loc]
    assert version_of(client, dataset.id) == 1
    assert client.dataset_items.retrieve(item.id).to_dict() == item.to_dict()


def test_nesting_the_server_can_store_is_kept(client: SGPClient) -> None:
    dataset = make_dataset(client, data=[nested(200)])

    assert items_of(client, dataset.id)[0].data == nested(200)


def test_batch_create_into_an_unknown_dataset_is_not_found(client: SGPClient) -> None:
    with pytest.raises(NotFoundError):
        client.dataset_items.batch_create(dataset_id="no-such-dataset", data=[{"i": 0}])


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_list_query_values_must_be_valid(client: SGPClient, value: str) -> None:
    dataset = make_dataset(client, 1)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.dataset_items.list(dataset_id=dataset.id, extra_query={"version": value})

    assert error_locs(caught.value) == [["query", "version"]]
