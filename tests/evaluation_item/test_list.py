"""GET /v5/evaluation-items: row order, paging both ways, `total`."""

import pytest
from scale_gp_beta import BadRequestError, NotFoundError, SGPClient, UnprocessableEntityError
from scale_gp_beta.types import EvaluationItem

from tests.evaluation.helpers import data_of, items_of, make_evaluation


def values(items: list[EvaluationItem]) -> list[int]:
    return [data_of(item)["i"] for item in items]


@pytest.fixture
def seven(client: SGPClient) -> tuple[str, list[EvaluationItem]]:
    """An evaluation of rows 0..6 and its items in row order."""
    evaluation = make_evaluation(client, 7)
    return evaluation.id, items_of(client, evaluation.id)


def ids(items: list[EvaluationItem]) -> list[str]:
    return [item.id for item in items]


def test_row_order_by_default(seven: tuple[str, list[EvaluationItem]]) -> None:
    _, items = seven

    assert values(items) == list(range(7))


def test_forward_pages(client: SGPClient, seven: tuple[str, list[EvaluationItem]]) -> None:
    evaluation_id, items = seven

    pages = list(client.evaluation_items.list(evaluation_id=evaluation_id, limit=3).iter_pages())

    assert [ids(p.items) for p in pages] == [ids(items[0:3]), ids(items[3:6]), ids(items[6:])]
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.to_dict()["total"] for p in pages} == {7}
    assert {p.to_dict()["limit"] for p in pages} == {3}
    assert {p.to_dict()["object"] for p in pages} == {"list"}


def test_descending_order(client: SGPClient, seven: tuple[str, list[EvaluationItem]]) -> None:
    evaluation_id, items = seven

    assert ids(items_of(client, evaluation_id, limit=2, sort_order="desc")) == ids(items[::-1])


def test_backward_pages(client: SGPClient, seven: tuple[str, list[EvaluationItem]]) -> None:
    evaluation_id, items = seven

    asc = items_of(client, evaluation_id, limit=3, ending_before=items[6].id)
    desc = items_of(client, evaluation_id, limit=3, ending_before=items[0].id, sort_order="desc")

    # Each page keeps the requested order; the pager walks pages away from the cursor.
    assert ids(asc) == ids(items[3:6] + items[0:3])
    assert ids(desc) == ids(items[3:0:-1] + items[6:3:-1])


def test_starting_after(client: SGPClient, seven: tuple[str, list[EvaluationItem]]) -> None:
    evaluation_id, items = seven

    page = client.evaluation_items.list(evaluation_id=evaluation_id, starting_after=items[4].id)

    assert ids(page.items) == ids(items[5:])
    assert page.has_more is False


def test_unknown_cursor_is_400(client: SGPClient, seven: tuple[str, list[EvaluationItem]]) -> None:
    evaluation_id, _ = seven

    with pytest.raises(BadRequestError):
        client.evaluation_items.list(
            evaluation_id=evaluation_id, starting_after="00000000-0000-7000-8000-000000000000"
        )


def test_limit_below_one_is_422(client: SGPClient, seven: tuple[str, list[EvaluationItem]]) -> None:
    evaluation_id, _ = seven

    with pytest.raises(UnprocessableEntityError):
        client.evaluation_items.list(evaluation_id=evaluation_id, limit=0)


def test_each_evaluation_lists_only_its_items(client: SGPClient) -> None:
    first, second = make_evaluation(client, 2), make_evaluation(client, 3)

    assert values(items_of(client, first.id)) == [0, 1]
    assert values(items_of(client, second.id)) == [0, 1, 2]
    assert {item.evaluation_id for item in items_of(client, second.id)} == {second.id}


def test_unknown_evaluation_is_404(client: SGPClient) -> None:
    with pytest.raises(NotFoundError):
        client.evaluation_items.list(evaluation_id="00000000-0000-7000-8000-000000000000")


def test_paging_an_evaluation_of_many_items(client: SGPClient) -> None:
    evaluation = make_evaluation(client, 250)

    forward = items_of(client, evaluation.id, limit=100)
    backward = items_of(client, evaluation.id, limit=100, ending_before=forward[-1].id)

    assert values(forward) == list(range(250))
    # Pages of 100 walking back from row 249, each page in row order.
    assert values(backward) == [*range(149, 249), *range(49, 149), *range(49)]
