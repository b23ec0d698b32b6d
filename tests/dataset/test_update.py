from typing import Any, cast

import httpx
from scale_gp_beta import SGPClient

from tests.dataset.factories import make_dataset, unique


def test_patch_changes_only_the_fields_sent(client: SGPClient) -> None:
    dataset = make_dataset(client)

    updated = client.datasets.update(dataset.id, name="renamed")

    assert updated.name == "renamed"
    assert updated.description == dataset.description
    assert updated.tags == dataset.tags
    assert client.datasets.retrieve(dataset.id).to_dict() == updated.to_dict()


def test_patch_replaces_tags_and_description(client: SGPClient) -> None:
    dataset = make_dataset(client)

    updated = client.datasets.update(dataset.id, description="about", tags=["a", "b"])

    assert (updated.name, updated.description, updated.tags) == (dataset.name, "about", ["a", "b"])


def test_null_name_and_tags_mean_unchanged_but_null_description_clears(client: SGPClient) -> None:
    dataset = client.datasets.create(
        name=unique(), description="about", tags=["a"], data=[{"i": 0}]
    )

    updated = client.datasets.update(
        dataset.id, name=cast(Any, None), tags=cast(Any, None), description=cast(Any, None)
    )

    assert (updated.name, updated.tags, updated.description) == (dataset.name, ["a"], None)


def test_empty_patch_and_unknown_keys_change_nothing(client: SGPClient, http: httpx.Client) -> None:
    dataset = make_dataset(client)

    assert http.patch(f"/v5/datasets/{dataset.id}", json={}).status_code == 200
    assert http.patch(f"/v5/datasets/{dataset.id}", json={"color": "red"}).status_code == 200

    assert client.datasets.retrieve(dataset.id).to_dict() == dataset.to_dict()


def test_patch_does_not_bump_the_version(client: SGPClient) -> None:
    dataset = make_dataset(client)
    client.dataset_items.batch_create(dataset_id=dataset.id, data=[{"i": 9}])

    client.datasets.update(dataset.id, name="again", description="x", tags=["y"])

    assert client.datasets.retrieve(dataset.id).current_version_num == 2
