"""Dataset versions: every item write is one new version and every version stays readable.

A dataset starts at version 1, each batch_create, item update and item delete
adds one, a dataset PATCH adds none, and `version=N` reads return items exactly as at version N.
"""

from typing import Any

import pytest
from scale_gp_beta import NotFoundError, SGPClient, UnprocessableEntityError
from sqlalchemy import create_engine, delete, select

from tests.dataset.factories import error_locs, items_of, make_dataset, rows, version_of
from tests.fixtures.server import Server
from yardstick.models import DatasetVersionCount


def snapshot(client: SGPClient, dataset_id: str, **params: Any) -> list[dict[str, object]]:
    return [item.to_dict() for item in items_of(client, dataset_id, limit=2, **params)]


@pytest.fixture
def history(client: SGPClient) -> tuple[str, dict[int, list[dict[str, object]]]]:
    """A dataset taken through five versions, and what its item list was at each one."""
    dataset = make_dataset(client, 3)
    seen = {1: snapshot(client, dataset.id)}
    first, second, _ = items_of(client, dataset.id)
    client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(2, start=3))
    seen[2] = snapshot(client, dataset.id)
    client.dataset_items.update(first.id, data={"i": "edited"})
    seen[3] = snapshot(client, dataset.id)
    client.dataset_items.delete(second.id)
    seen[4] = snapshot(client, dataset.id)
    client.dataset_items.update(first.id, data={"i": "edited again"})
    seen[5] = snapshot(client, dataset.id)
    client.datasets.update(dataset.id, name="renamed", tags=["no-new-version"])
    return dataset.id, seen


def test_the_version_counts_item_writes_only(
    client: SGPClient, history: tuple[str, dict[int, list[dict[str, object]]]]
) -> None:
    dataset_id, seen = history

    assert version_of(client, dataset_id) == 5
    assert [[item["data"] for item in seen[v]] for v in (1, 3, 5)] == [
        [{"i": 0}, {"i": 1}, {"i": 2}],
        [{"i": "edited"}, {"i": 1}, {"i": 2}, {"i": 3}, {"i": 4}],
        [{"i": "edited again"}, {"i": 2}, {"i": 3}, {"i": 4}],
    ]


def test_listing_a_version_returns_the_items_as_they_were(
    client: SGPClient, history: tuple[str, dict[int, list[dict[str, object]]]]
) -> None:
    dataset_id, seen = history

    for version, expected in seen.items():
        assert snapshot(client, dataset_id, version=version) == expected, version
        page = client.dataset_items.list(dataset_id=dataset_id, version=version)
        assert page.to_dict()["total"] == len(expected)


def test_a_version_without_its_recorded_count_is_counted_once(
    server: Server,
    client: SGPClient,
    history: tuple[str, dict[int, list[dict[str, object]]]],
) -> None:
    """Versions written before counts were recorded (simulated: the rows deleted) are counted
    on first listing, and the count is recorded then."""
    dataset_id, seen = history
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            recorded = dict(
                connection.execute(
                    select(DatasetVersionCount.version, DatasetVersionCount.item_count).where(
                        DatasetVersionCount.dataset_id == dataset_id
                    )
                ).all()
            )
            assert recorded == {version: len(items) for version, items in seen.items()}
            connection.execute(
                delete(DatasetVersionCount).where(DatasetVersionCount.dataset_id == dataset_id)
            )
        for version, expected in seen.items():
            page = client.dataset_items.list(dataset_id=dataset_id, version=version)
            assert page.to_dict()["total"] == len(expected), version
        with engine.connect() as connection:
            again = dict(
                connection.execute(
                    select(DatasetVersionCount.version, DatasetVersionCount.item_count).where(
                        DatasetVersionCount.dataset_id == dataset_id
                    )
                ).all()
            )
        assert again == recorded
    finally:
        engine.dispose()


def test_retrieving_a_version_returns_the_item_as_it_was(
    client: SGPClient, history: tuple[str, dict[int, list[dict[str, object]]]]
) -> None:
    _, seen = history

    for version, expected in seen.items():
        for item in expected:
            got = client.dataset_items.retrieve(str(item["id"]), version=version)
            assert got.to_dict() == item, version


def test_an_item_is_not_found_at_versions_where_it_did_not_exist(
    client: SGPClient, history: tuple[str, dict[int, list[dict[str, object]]]]
) -> None:
    _, seen = history
    added_at_2 = str(seen[2][3]["id"])
    deleted_at_4 = str(seen[3][1]["id"])

    with pytest.raises(NotFoundError):
        client.dataset_items.retrieve(added_at_2, version=1)
    for version in (4, 5):
        with pytest.raises(NotFoundError):
            client.dataset_items.retrieve(deleted_at_4, version=version)
    assert client.dataset_items.retrieve(deleted_at_4, version=3).data == {"i": 1}


def test_a_version_with_archived_items_shows_the_deletion(
    client: SGPClient, history: tuple[str, dict[int, list[dict[str, object]]]]
) -> None:
    dataset_id, seen = history

    at_4 = items_of(client, dataset_id, version=4, include_archived=True)

    assert [item.id for item in at_4] == [item["id"] for item in seen[3]]
    assert [item.archived_at is not None for item in at_4] == [False, True, False, False, False]


@pytest.mark.parametrize("version", [0, -1, 6, 100])
def test_versions_that_do_not_exist_are_rejected(
    client: SGPClient, history: tuple[str, dict[int, list[dict[str, object]]]], version: int
) -> None:
    dataset_id, seen = history
    item_id = str(seen[1][0]["id"])

    with pytest.raises(UnprocessableEntityError) as listing:
        client.dataset_items.list(dataset_id=dataset_id, version=version)
    with pytest.raises(UnprocessableEntityError) as retrieving:
        client.dataset_items.retrieve(item_id, version=version)

    assert error_locs(listing.value) == error_locs(retrieving.value) == [["query", "version"]]


def test_a_version_needs_a_dataset(client: SGPClient) -> None:
    make_dataset(client)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.dataset_items.list(version=1)

    assert error_locs(caught.value) == [["query", "version"]]
