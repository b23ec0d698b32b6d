"""The paging parameters every list shares."""

from collections.abc import Callable

import httpx
import pytest
from scale_gp_beta import BadRequestError, SGPClient, UnprocessableEntityError

from tests.dataset.factories import error_locs, items_of, make_dataset, rows, values
from tests.fixtures.server import ACCOUNT_A, Server

LISTS: dict[str, Callable[[SGPClient], Callable[..., object]]] = {
    "datasets": lambda c: c.datasets.list,
    "dataset_items": lambda c: c.dataset_items.list,
}
BIG = 1005


@pytest.fixture(scope="module")
def big_dataset(server: Server) -> str:
    client = SGPClient(
        api_key=server.keys[ACCOUNT_A], account_id=ACCOUNT_A, base_url=server.base_url
    )
    return make_dataset(client, data=rows(BIG)).id


@pytest.mark.parametrize("lister", LISTS.values(), ids=LISTS.keys())
@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5"])
def test_limit_below_one_or_not_a_number_is_rejected(
    client: SGPClient, lister: Callable[[SGPClient], Callable[..., object]], limit: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        lister(client)(extra_query={"limit": limit})

    assert error_locs(caught.value) == [["query", "limit"]]


@pytest.mark.parametrize("lister", LISTS.values(), ids=LISTS.keys())
def test_unknown_sort_order_is_rejected(
    client: SGPClient, lister: Callable[[SGPClient], Callable[..., object]]
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        lister(client)(extra_query={"sort_order": "sideways"})

    assert error_locs(caught.value) == [["query", "sort_order"]]


def test_the_default_page_is_100(client: SGPClient, big_dataset: str) -> None:
    page = client.dataset_items.list(dataset_id=big_dataset)

    assert (len(page.items), page.has_more, page.to_dict()["limit"]) == (100, True, 100)


def test_limit_is_clamped_at_10000(client: SGPClient, http: httpx.Client, big_dataset: str) -> None:
    page = client.dataset_items.list(dataset_id=big_dataset, limit=5000)

    assert values(page.items) == list(range(BIG))
    assert (page.has_more, page.to_dict()["limit"], page.to_dict()["total"]) == (False, 5000, BIG)
    assert http.get("/v5/datasets", params={"limit": 50000}).json()["limit"] == 10000


def test_auto_paging_reads_a_big_dataset_whole(client: SGPClient, big_dataset: str) -> None:
    assert values(items_of(client, big_dataset, limit=1000)) == list(range(BIG))
    assert values(items_of(client, big_dataset, limit=1000, sort_order="desc")) == list(
        reversed(range(BIG))
    )


@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
def test_an_unknown_cursor_is_a_bad_request(client: SGPClient, cursor: str) -> None:
    dataset = make_dataset(client, 1)

    with pytest.raises(BadRequestError) as caught:
        client.datasets.list(extra_query={cursor: "no-such-dataset"})
    assert caught.value.body == {
        "detail": f"{cursor}: unknown cursor 'no-such-dataset': no such item in this list"
    }
    # An empty one, as a form sends it, is none (it was a 400 for the cursor '').
    assert client.datasets.list(extra_query={cursor: ""}).items[0].id == dataset.id
    with pytest.raises(BadRequestError):
        client.dataset_items.list(dataset_id=dataset.id, extra_query={cursor: "no-such-item"})
    with pytest.raises(BadRequestError):
        client.dataset_items.list(extra_query={cursor: "no-such-item"})


def test_an_archived_row_is_still_a_cursor(client: SGPClient) -> None:
    dataset = make_dataset(client, 4)
    first, second, _, _ = items_of(client, dataset.id)
    client.dataset_items.delete(second.id)
    client.dataset_items.delete(first.id)

    assert values(items_of(client, dataset.id, starting_after=first.id)) == [2, 3]
    assert values(items_of(client, dataset.id, starting_after=second.id)) == [2, 3]
    tag = dataset.tags[0]
    later = make_dataset(client, 1, tag=tag)
    client.datasets.delete(dataset.id)
    assert [d.id for d in client.datasets.list(tags=[tag], ending_before=dataset.id)] == [later.id]
