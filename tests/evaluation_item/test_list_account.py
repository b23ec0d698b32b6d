"""Listing evaluation items without `evaluation_id`: every item of the account's live evaluations.

One fresh account per backend (making one costs two CLI runs), filled once and only read here.
"""

from dataclasses import dataclass

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta.types import EvaluationItem

from tests.evaluation.helpers import data_of, fresh_client, items_of, make_evaluation, rows
from tests.fixtures.server import Server


@dataclass
class Account:
    client: SGPClient
    evaluation_ids: list[str]  # first, archived, last, in creation order
    live_items: list[EvaluationItem]  # of first and last, in row order
    archived_items: list[EvaluationItem]


@pytest.fixture(scope="module")
def account(server: Server) -> Account:
    client = fresh_client(server)
    assert client.evaluation_items.list().items == []  # a fresh account starts empty
    first = make_evaluation(client, 2)
    archived = make_evaluation(client, 3)
    last = make_evaluation(client, data=[{"i": 10}])
    client.evaluations.delete(archived.id)
    return Account(
        client,
        [first.id, archived.id, last.id],
        items_of(client, first.id) + items_of(client, last.id),
        items_of(client, archived.id, include_archived=True),
    )


def ids(items: list[EvaluationItem]) -> list[str]:
    return [item.id for item in items]


def test_all_items_of_live_evaluations_in_row_order(account: Account) -> None:
    page = account.client.evaluation_items.list(limit=2)

    listed = list(page)

    assert [item.to_dict() for item in listed] == [item.to_dict() for item in account.live_items]
    assert [data_of(item) for item in listed] == rows(2) + [{"i": 10}]
    assert page.to_dict()["total"] == 3


def test_descending_and_backward(account: Account) -> None:
    desc = account.client.evaluation_items.list(limit=2, sort_order="desc")
    back = account.client.evaluation_items.list(limit=2, ending_before=account.live_items[-1].id)

    assert ids(list(desc)) == ids(account.live_items[::-1])
    assert ids(list(back)) == ids(account.live_items[:2])


def test_include_archived_adds_the_items_of_archived_evaluations(account: Account) -> None:
    page = account.client.evaluation_items.list(include_archived=True)

    listed = list(page)

    first, archived, last = account.evaluation_ids
    assert [(item.evaluation_id, item.archived_at is None) for item in listed] == [
        (first, True),
        (first, True),
        (archived, False),
        (archived, False),
        (archived, False),
        (last, True),
    ]
    assert ids(listed) == ids(
        account.live_items[:2] + account.archived_items + account.live_items[2:]
    )
    assert page.to_dict()["total"] == 6


def test_another_accounts_items_are_left_out(account: Account, client: SGPClient) -> None:
    make_evaluation(client, 2)

    first, _, last = account.evaluation_ids
    assert [e.id for e in account.client.evaluations.list()] == [last, first]
    assert ids(list(account.client.evaluation_items.list())) == ids(account.live_items)
