"""One account never sees another's evaluation items."""

import pytest
from scale_gp_beta import BadRequestError, NotFoundError, SGPClient

from tests.evaluation.helpers import items_of, make_evaluation


def test_other_account_gets_404_for_the_items(client: SGPClient, other_client: SGPClient) -> None:
    evaluation = make_evaluation(client, 2)
    item = items_of(client, evaluation.id)[0]

    for include_archived in (False, True):
        with pytest.raises(NotFoundError):
            other_client.evaluation_items.retrieve(item.id, include_archived=include_archived)
        with pytest.raises(NotFoundError):
            other_client.evaluation_items.list(
                evaluation_id=evaluation.id, include_archived=include_archived
            )


def test_other_accounts_unfiltered_list_never_holds_my_items(
    client: SGPClient, other_client: SGPClient
) -> None:
    evaluation = make_evaluation(client, 2)
    archived = make_evaluation(client, 1)
    client.evaluations.delete(archived.id)
    mine = {item.id for item in items_of(client, evaluation.id)}
    mine |= {item.id for item in items_of(client, archived.id, include_archived=True)}

    for include_archived in (False, True):
        theirs = other_client.evaluation_items.list(include_archived=include_archived, limit=1000)
        assert not mine & {item.id for item in theirs}


def test_other_account_cannot_page_from_my_item(client: SGPClient, other_client: SGPClient) -> None:
    item = items_of(client, make_evaluation(client, 1).id)[0]

    with pytest.raises(BadRequestError):
        other_client.evaluation_items.list(starting_after=item.id)
