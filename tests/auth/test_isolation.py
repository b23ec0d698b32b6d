"""Another account's datasets and items do not exist for you."""

import pytest
from scale_gp_beta import BadRequestError, NotFoundError, SGPClient

from tests.auth.calls import ON_IDS, Call
from tests.dataset.factories import items_of, make_dataset, unique


@pytest.fixture
def theirs(client: SGPClient) -> tuple[str, str]:
    """A dataset and one of its items, owned by account A."""
    dataset = make_dataset(client, 2)
    return dataset.id, items_of(client, dataset.id)[0].id


@pytest.mark.parametrize("call", ON_IDS.values(), ids=ON_IDS.keys())
def test_another_accounts_ids_are_not_found(
    client: SGPClient, other_client: SGPClient, theirs: tuple[str, str], call: Call
) -> None:
    dataset_id, _ = theirs
    before = [item.to_dict() for item in items_of(client, dataset_id)]

    with pytest.raises(NotFoundError):
        call(other_client, *theirs)

    assert client.datasets.retrieve(dataset_id).current_version_num == 1
    assert client.datasets.retrieve(dataset_id).name != "stolen"
    assert [item.to_dict() for item in items_of(client, dataset_id)] == before


@pytest.mark.parametrize("call", ON_IDS.values(), ids=ON_IDS.keys())
def test_unknown_ids_are_not_found(client: SGPClient, call: Call) -> None:
    with pytest.raises(NotFoundError):
        call(client, "no-such-dataset", "no-such-item")


def test_lists_hold_only_your_own_data(
    client: SGPClient, other_client: SGPClient, theirs: tuple[str, str]
) -> None:
    dataset_id, item_id = theirs
    mine = make_dataset(other_client, 1, tag=client.datasets.retrieve(dataset_id).tags[0])

    their_datasets = {d.id for d in other_client.datasets.list(include_archived=True, limit=1000)}
    their_items = {i.id for i in other_client.dataset_items.list(include_archived=True, limit=1000)}

    assert dataset_id not in their_datasets and mine.id in their_datasets
    assert item_id not in their_items
    assert items_of(other_client, mine.id)[0].id in their_items
    tag = mine.tags[0]
    assert [d.id for d in other_client.datasets.list(tags=[tag])] == [mine.id]
    assert [d.id for d in client.datasets.list(tags=[tag])] == [dataset_id]


def test_another_accounts_ids_are_unknown_cursors(
    client: SGPClient, other_client: SGPClient, theirs: tuple[str, str]
) -> None:
    dataset_id, item_id = theirs
    make_dataset(other_client, 1, name=unique())

    with pytest.raises(BadRequestError):
        other_client.datasets.list(starting_after=dataset_id)
    with pytest.raises(BadRequestError):
        other_client.dataset_items.list(ending_before=item_id)
