"""Bad dataset bodies are 422s that name the field."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError

from tests.dataset.factories import error_locs, make_dataset, unique

GOOD: dict[str, Any] = {"name": "n", "data": [{"i": 0}]}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"data": [{"i": 0}]}, ["body", "name"]),
        ({"name": "n"}, ["body", "data"]),
        ({**GOOD, "name": ""}, ["body", "name"]),
        ({**GOOD, "name": 7}, ["body", "name"]),
        ({**GOOD, "name": "n" * 513}, ["body", "name"]),
        ({**GOOD, "data": []}, ["body", "data"]),
        ({**GOOD, "data": {"i": 0}}, ["body", "data"]),
        ({**GOOD, "data": [{"i": 0}, 1]}, ["body", "data", 1]),
        ({**GOOD, "data": [{"i": 0}, [1]]}, ["body", "data", 1]),
        ({**GOOD, "tags": "a"}, ["body", "tags"]),
        ({**GOOD, "tags": ["a", 1]}, ["body", "tags", 1]),
        ({**GOOD, "description": ["d"]}, ["body", "description"]),
    ],
)
def test_create_rejects(client: SGPClient, body: dict[str, Any], loc: list[str | int]) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.post("/v5/datasets", body=body, cast_to=object)

    assert error_locs(caught.value) == [loc]


def test_rejected_create_makes_nothing(client: SGPClient) -> None:
    name = unique("name")

    with pytest.raises(UnprocessableEntityError):
        client.datasets.create(name=name, data=[{"i": 0}, "x"])  # type: ignore[list-item]

    assert client.datasets.list(name=name, include_archived=True).items == []


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": ""}, ["body", "name"]),
        ({"name": 7}, ["body", "name"]),
        ({"tags": "a"}, ["body", "tags"]),
        ({"tags": [""]}, ["body", "tags", 0]),
        ({"description": 5}, ["body", "description"]),
    ],
)
def test_patch_rejects(client: SGPClient, body: dict[str, Any], loc: list[str | int]) -> None:
    dataset = make_dataset(client)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.patch(f"/v5/datasets/{dataset.id}", body=body, cast_to=object)

    assert error_locs(caught.value) == [loc]
    assert client.datasets.retrieve(dataset.id).to_dict() == dataset.to_dict()


def test_patch_body_must_be_an_object(client: SGPClient, http: httpx.Client) -> None:
    dataset = make_dataset(client)

    response = http.patch(f"/v5/datasets/{dataset.id}", json=["name"])

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
