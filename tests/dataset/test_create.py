from datetime import UTC, datetime, timedelta

import httpx
from scale_gp_beta import SGPClient

from tests.dataset.factories import items_of, rows, unique


def test_create_returns_the_dataset_at_version_1(client: SGPClient) -> None:
    tag = unique("tag")
    dataset = client.datasets.create(
        name="questions", description="d", tags=[tag, "x"], data=rows(2)
    )

    assert dataset.object == "dataset"
    assert dataset.name == "questions"
    assert dataset.description == "d"
    assert dataset.tags == [tag, "x"]
    assert dataset.current_version_num == 1
    assert dataset.archived_at is None
    assert abs(datetime.now(UTC) - dataset.created_at) < timedelta(minutes=5)
    assert client.datasets.retrieve(dataset.id).to_dict() == dataset.to_dict()


def test_create_stores_the_initial_items_in_order(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=rows(5))

    items = items_of(client, dataset.id)

    assert [item.data for item in items] == rows(5)
    assert {item.dataset_id for item in items} == {dataset.id}
    assert {item.created_by_user_id for item in items} == {dataset.created_by_user_id}
    assert len({item.id for item in items}) == 5


def test_optional_fields_default_to_empty(client: SGPClient) -> None:
    dataset = client.datasets.create(name=unique(), data=rows(1))

    assert dataset.description is None
    assert dataset.tags == []


def test_wire_format_has_every_field_and_utc_timestamps(
    client: SGPClient, http: httpx.Client
) -> None:
    dataset = client.datasets.create(name=unique(), data=rows(1))

    body = http.get(f"/v5/datasets/{dataset.id}").json()

    assert set(body) == {
        "object",
        "id",
        "name",
        "description",
        "tags",
        "current_version_num",
        "created_at",
        "created_by_user_id",
        "created_by",
        "archived_at",
    }
    assert body["created_by"] == {
        "id": body["created_by_user_id"],
        "type": "user",
        "object": "identity",
    }
    assert body["created_at"].endswith("Z")


def test_each_account_has_its_own_user_id(client: SGPClient, other_client: SGPClient) -> None:
    mine = client.datasets.create(name=unique(), data=rows(1))
    theirs = other_client.datasets.create(name=unique(), data=rows(1))

    assert mine.created_by_user_id != theirs.created_by_user_id
