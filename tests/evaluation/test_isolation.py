"""One account never sees or touches another's evaluations."""

import pytest
from scale_gp_beta import BadRequestError, NotFoundError, SGPClient

from tests.evaluation.helpers import make_evaluation, unique


def test_other_account_gets_404_for_the_evaluation(
    client: SGPClient, other_client: SGPClient
) -> None:
    evaluation = make_evaluation(client)

    for include_archived in (False, True):
        with pytest.raises(NotFoundError):
            other_client.evaluations.retrieve(evaluation.id, include_archived=include_archived)
    with pytest.raises(NotFoundError):
        other_client.evaluations.update(evaluation.id, name="stolen")
    with pytest.raises(NotFoundError):
        other_client.evaluations.delete(evaluation.id)

    after = client.evaluations.retrieve(evaluation.id)
    assert (after.name, after.archived_at) == (evaluation.name, None)


def test_other_accounts_lists_never_hold_my_rows(
    client: SGPClient, other_client: SGPClient
) -> None:
    tag, name = unique("tag"), unique("name")
    mine = make_evaluation(client, 2, tag=tag, name=name)

    assert other_client.evaluations.list(tags=[tag], include_archived=True).items == []
    assert other_client.evaluations.list(name=name, include_archived=True).items == []
    theirs = {e.id for e in other_client.evaluations.list(include_archived=True, limit=1000)}
    assert mine.id not in theirs


def test_same_name_in_two_accounts_are_two_evaluations(
    client: SGPClient, other_client: SGPClient
) -> None:
    name = unique("name")
    mine = make_evaluation(client, name=name)
    theirs = make_evaluation(other_client, name=name)

    assert [e.id for e in client.evaluations.list(name=name)] == [mine.id]
    assert [e.id for e in other_client.evaluations.list(name=name)] == [theirs.id]


def test_other_account_cannot_page_from_my_cursor(
    client: SGPClient, other_client: SGPClient
) -> None:
    evaluation = make_evaluation(client, 1)

    with pytest.raises(BadRequestError):
        other_client.evaluations.list(starting_after=evaluation.id)
