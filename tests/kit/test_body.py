"""Request bodies that are not JSON at all: a 4xx that says why, never a 5xx, and no change."""

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.dataset.factories import items_of, make_dataset

MALFORMED: dict[str, bytes] = {
    "truncated": b'{"name": "x", "data": [',
    "empty": b"",
    "not utf-8": b'{"name": "\xff\xfe", "data": [{"i": 0}]}',
    "NaN": b'{"name": "x", "data": [{"v": NaN}]}',
    "Infinity": b'{"name": "x", "data": [{"v": Infinity}]}',
    "overflowing number": b'{"name": "x", "data": [{"v": 1e400}]}',
    "trailing garbage": b'{"name": "x", "data": [{"i": 0}]} x',
    "single quotes": b"{'name': 'x', 'data': [{'i': 0}]}",
    "too deep": b"[" * 5000 + b"]" * 5000,
    "a string": b'"x"',
    "null": b"null",
}


@pytest.fixture
def dataset_and_item(client: SGPClient) -> tuple[str, str]:
    dataset = make_dataset(client, 1)
    return dataset.id, items_of(client, dataset.id)[0].id


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_a_422_everywhere(
    client: SGPClient, http: httpx.Client, dataset_and_item: tuple[str, str], body: bytes
) -> None:
    dataset_id, item_id = dataset_and_item
    before = items_of(client, dataset_id)[0].to_dict()
    headers = {"content-type": "application/json"}

    answers = [
        http.post("/v5/datasets", content=body, headers=headers),
        http.patch(f"/v5/datasets/{dataset_id}", content=body, headers=headers),
        http.post("/v5/dataset-items/batch", content=body, headers=headers),
        http.patch(f"/v5/dataset-items/{item_id}", content=body, headers=headers),
    ]

    assert [a.status_code for a in answers] == [422] * 4
    assert all(a.json()["detail"] for a in answers)
    assert client.datasets.retrieve(dataset_id).current_version_num == 1
    assert items_of(client, dataset_id)[0].to_dict() == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_as_json(http: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}

    response = http.post(
        "/v5/datasets", content=b'{"name": "x", "data": [{"i": 0}]}', headers=headers
    )

    assert response.status_code == 422


def test_delete_ignores_an_empty_json_body(client: SGPClient, http: httpx.Client) -> None:
    dataset = make_dataset(client, 1)

    response = http.request(
        "DELETE", f"/v5/datasets/{dataset.id}", headers={"content-type": "application/json"}
    )

    assert response.status_code == 200
    assert response.json() == {"id": dataset.id, "deleted": True, "object": "dataset"}


def test_integers_beyond_64_bits_are_refused_not_rounded(
    client: SGPClient, http: httpx.Client, dataset_and_item: tuple[str, str]
) -> None:
    dataset_id, _ = dataset_and_item
    body = b'{"dataset_id": "' + dataset_id.encode() + b'", "data": [{"v": 18446744073709551616}]}'
    answer = http.post(
        "/v5/dataset-items/batch", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "data", 0]
    assert len(items_of(client, dataset_id)) == 1


def test_the_largest_64_bit_integers_round_trip_exactly(
    client: SGPClient, dataset_and_item: tuple[str, str]
) -> None:
    dataset_id, _ = dataset_and_item
    data = {"max": 2**64 - 1, "min": -(2**63), "pi": 3.141592653589793}
    [item] = client.dataset_items.batch_create(dataset_id=dataset_id, data=[data]).items
    assert client.dataset_items.retrieve(item.id).data == data
