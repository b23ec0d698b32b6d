"""Auto-paging over dataset items, in row order by default."""

from typing import Any

from scale_gp_beta import SGPClient

from tests.dataset.factories import items_of, make_dataset, rows, values, version_of


def test_pages_follow_row_order(client: SGPClient) -> None:
    dataset = make_dataset(client, 10)

    pages = list(client.dataset_items.list(dataset_id=dataset.id, limit=4).iter_pages())

    assert [values(p.items) for p in pages] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.to_dict()["total"] for p in pages} == {10}
    assert {p.to_dict()["limit"] for p in pages} == {4}


def test_descending_order(client: SGPClient) -> None:
    dataset = make_dataset(client, 5)

    assert values(items_of(client, dataset.id, limit=2, sort_order="desc")) == [4, 3, 2, 1, 0]


def test_a_full_last_page_still_ends_the_paging(client: SGPClient) -> None:
    dataset = make_dataset(client, 4)

    pages = list(client.dataset_items.list(dataset_id=dataset.id, limit=2).iter_pages())

    assert [p.has_more for p in pages] == [True, False]


def test_starting_after_skips_to_the_rows_after_the_cursor(client: SGPClient) -> None:
    dataset = make_dataset(client, 6)
    cursor = items_of(client, dataset.id)[2].id

    assert values(items_of(client, dataset.id, starting_after=cursor, limit=2)) == [3, 4, 5]
    assert values(
        items_of(client, dataset.id, starting_after=cursor, limit=2, sort_order="desc")
    ) == [1, 0]


def test_ending_before_pages_backwards(client: SGPClient) -> None:
    dataset = make_dataset(client, 8)
    made = items_of(client, dataset.id)

    asc = items_of(client, dataset.id, ending_before=made[7].id, limit=3)
    desc = items_of(client, dataset.id, ending_before=made[0].id, limit=3, sort_order="desc")

    # Each page keeps the requested order; the pager walks pages away from the cursor.
    assert values(asc) == [4, 5, 6, 1, 2, 3, 0]
    assert values(desc) == [3, 2, 1, 6, 5, 4, 7]


def test_ending_before_reports_has_more_towards_the_start(client: SGPClient) -> None:
    dataset = make_dataset(client, 5)
    made = items_of(client, dataset.id)

    near = client.dataset_items.list(dataset_id=dataset.id, ending_before=made[3].id, limit=2)
    edge = client.dataset_items.list(dataset_id=dataset.id, ending_before=made[2].id, limit=2)

    assert (values(near.items), near.has_more) == ([1, 2], True)
    assert (values(edge.items), edge.has_more) == ([0, 1], False)


def test_paging_is_stable_while_items_are_added_and_edited(client: SGPClient) -> None:
    dataset = make_dataset(client, 9)
    made = [item.id for item in items_of(client, dataset.id)]
    for order in ("asc", "desc"):
        seen: list[str] = []
        for item in client.dataset_items.list(dataset_id=dataset.id, limit=2, sort_order=order):
            seen.append(item.id)
            if len(seen) % 2 == 1 and len(seen) < len(made):
                client.dataset_items.batch_create(dataset_id=dataset.id, data=rows(2, start=100))
                client.dataset_items.update(made[-len(seen)], data={"i": -1})

        assert len(seen) == len(set(seen))
        assert [i for i in seen if i in made] == (made if order == "asc" else made[::-1])


def test_the_unfiltered_list_pages_across_datasets_in_creation_order(client: SGPClient) -> None:
    first = make_dataset(client, 3)
    second = make_dataset(client, 2)
    start = items_of(client, first.id)[0].id

    after = list(client.dataset_items.list(starting_after=start, limit=2))

    assert [(item.dataset_id, item.data) for item in after] == [
        (first.id, {"i": 1}),
        (first.id, {"i": 2}),
        (second.id, {"i": 0}),
        (second.id, {"i": 1}),
    ]


def test_sort_by_updated_at_pages_from_the_cursors_listed_version(client: SGPClient) -> None:
    # Updates and deletes keep a row per version of an item: the cursor is read from the row
    # the list shows (the current one, or the one at `version`), never from an older one.
    dataset = make_dataset(client, 5)
    made = items_of(client, dataset.id)
    before_edits = version_of(client, dataset.id)
    client.dataset_items.update(made[1].id, data={"i": 11})
    client.dataset_items.update(made[3].id, data={"i": 13})
    client.dataset_items.update(made[1].id, data={"i": 21})
    client.dataset_items.delete(made[4].id)

    def listed(**params: Any) -> list[int]:
        return values(items_of(client, dataset.id, extra_query={"sort_by": "updated_at"}, **params))

    assert listed() == [0, 2, 13, 21]
    assert listed(starting_after=made[3].id) == [21]
    assert listed(starting_after=made[1].id) == []
    assert listed(ending_before=made[1].id) == [0, 2, 13]
    assert listed(ending_before=made[1].id, limit=1) == [13, 2, 0]  # pages walk back
    assert listed(starting_after=made[0].id, sort_order="desc") == []
    assert listed(starting_after=made[1].id, sort_order="desc") == [13, 2, 0]
    # A deleted item is still a cursor: its deletion is its latest update.
    assert listed(ending_before=made[4].id) == [0, 2, 13, 21]
    # At an older version every item still has its first row, in row order.
    assert listed(version=before_edits, starting_after=made[1].id) == [2, 3, 4]
    assert listed(version=before_edits, ending_before=made[3].id) == [0, 1, 2]
