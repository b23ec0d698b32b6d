"""Auto-paging over datasets, newest first by default."""

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta.types import Dataset

from tests.dataset.factories import make_dataset, unique


@pytest.fixture
def tagged(client: SGPClient) -> tuple[str, list[Dataset]]:
    """Seven datasets sharing a fresh tag, in creation order."""
    tag = unique("tag")
    return tag, [make_dataset(client, 1, tag=tag) for _ in range(7)]


def ids(datasets: list[Dataset]) -> list[str]:
    return [d.id for d in datasets]


def test_default_order_is_newest_first_across_pages(
    client: SGPClient, tagged: tuple[str, list[Dataset]]
) -> None:
    tag, made = tagged

    pages = list(client.datasets.list(tags=[tag], limit=3).iter_pages())

    assert [ids(p.items) for p in pages] == [ids(made[6:3:-1]), ids(made[3:0:-1]), ids(made[:1])]
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.to_dict()["total"] for p in pages} == {7}
    assert {p.to_dict()["limit"] for p in pages} == {3}


def test_ascending_order(client: SGPClient, tagged: tuple[str, list[Dataset]]) -> None:
    tag, made = tagged

    assert ids(list(client.datasets.list(tags=[tag], limit=2, sort_order="asc"))) == ids(made)


def test_starting_after_skips_to_the_rows_after_the_cursor(
    client: SGPClient, tagged: tuple[str, list[Dataset]]
) -> None:
    tag, made = tagged

    after = client.datasets.list(tags=[tag], starting_after=made[4].id)

    assert ids(after.items) == ids(made[3::-1])
    assert after.has_more is False


def test_ending_before_pages_backwards(
    client: SGPClient, tagged: tuple[str, list[Dataset]]
) -> None:
    tag, made = tagged

    desc = client.datasets.list(tags=[tag], limit=3, ending_before=made[0].id)
    asc = client.datasets.list(tags=[tag], limit=3, ending_before=made[6].id, sort_order="asc")

    # Each page keeps the requested order; the pager walks pages away from the cursor.
    assert ids(list(desc)) == ids(made[3:0:-1] + made[6:3:-1])
    assert ids(list(asc)) == ids(made[3:6] + made[0:3])


def test_paging_is_stable_while_datasets_are_created(
    client: SGPClient, tagged: tuple[str, list[Dataset]]
) -> None:
    tag, made = tagged
    for order in ("asc", "desc"):
        seen: list[str] = []
        for dataset in client.datasets.list(tags=[tag], limit=2, sort_order=order):
            seen.append(dataset.id)
            if len(seen) % 2 == 1:
                make_dataset(client, 1, tag=tag)

        assert len(seen) == len(set(seen))
        assert [i for i in seen if i in ids(made)] == ids(made if order == "asc" else made[::-1])
