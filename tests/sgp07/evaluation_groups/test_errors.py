"""What `client.evaluation_groups` raises, and accounts that cannot see each other's groups."""

from collections.abc import Callable
from typing import Any

import pytest
from scale_gp_beta import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    SGPClient,
    UnprocessableEntityError,
)

from tests.sgp07.evaluation_groups.factories import make_evaluation
from tests.sgp07.helpers import assert_final_conflict, error_locs, raw, unique

MISSING = "00000000-0000-7000-8000-000000000000"


def test_bad_members_are_400s(client: SGPClient, other_client: SGPClient) -> None:
    mine = make_evaluation(client)
    theirs = make_evaluation(other_client)
    name = unique("refused")

    for evaluation_ids, message in (
        ([], "at least one"),
        ([mine.id, mine.id], f"evaluation_ids[1]: {mine.id!r} is listed twice"),
        ([mine.id, MISSING], f"evaluation {MISSING!r} not found in this account"),
        ([theirs.id], f"evaluation {theirs.id!r} not found in this account"),
    ):
        with pytest.raises(BadRequestError) as caught:
            client.evaluation_groups.create(evaluation_ids=evaluation_ids, name=name)
        assert message in str(caught.value.body)
    assert client.evaluation_groups.list(name=name).items == []

    group = client.evaluation_groups.create(evaluation_ids=[mine.id], name=name)
    with pytest.raises(BadRequestError):
        client.evaluation_groups.replace(group.id, evaluation_ids=[mine.id, theirs.id])
    assert client.evaluation_groups.retrieve(group.id).members == group.members


def test_validation_errors_name_the_field(client: SGPClient) -> None:
    evaluation = make_evaluation(client)
    group = client.evaluation_groups.create(evaluation_ids=[evaluation.id], name=unique("g"))

    with pytest.raises(UnprocessableEntityError) as too_long:
        client.evaluation_groups.create(evaluation_ids=[evaluation.id], name="n" * 129)
    assert error_locs(too_long.value) == [["body", "name"]]
    with pytest.raises(UnprocessableEntityError) as renamed:
        client.evaluation_groups.update(group.id, name="n" * 129)
    assert error_locs(renamed.value) == [["body", "name"]]
    with pytest.raises(UnprocessableEntityError) as membership:
        client.evaluation_groups.update(group.id, extra_body={"evaluation_ids": [evaluation.id]})
    assert error_locs(membership.value) == [["body", "evaluation_ids"]]
    with pytest.raises(BadRequestError) as empty:
        client.evaluation_groups.update(group.id)
    assert "nothing to update" in str(empty.value.body)


def test_unknown_foreign_and_deleted_groups(client: SGPClient, other_client: SGPClient) -> None:
    theirs = other_client.evaluation_groups.create(
        evaluation_ids=[make_evaluation(other_client).id], name=unique("theirs")
    )
    calls: list[Callable[[str], Any]] = [
        client.evaluation_groups.retrieve,
        client.evaluation_groups.retrieve_schema,
        lambda group_id: client.evaluation_groups.update(group_id, name="x"),
        lambda group_id: client.evaluation_groups.replace(group_id, name="x"),
        client.evaluation_groups.archive,
    ]
    for group_id in (MISSING, theirs.id):
        for call in calls:
            with pytest.raises(NotFoundError):
                call(group_id)
    assert other_client.evaluation_groups.retrieve(theirs.id).name == theirs.name
    assert theirs.id not in [g.id for g in client.evaluation_groups.list(include_deleted=True)]

    mine = client.evaluation_groups.create(
        evaluation_ids=[make_evaluation(client).id], name=unique("mine")
    )
    client.evaluation_groups.archive(mine.id)
    with pytest.raises(NotFoundError):
        client.evaluation_groups.retrieve(mine.id)
    with pytest.raises(NotFoundError):
        client.evaluation_groups.retrieve_schema(mine.id)
    for change in calls[2:]:  # update, replace, archive
        with pytest.raises(ConflictError) as caught:
            change(mine.id)
        assert_final_conflict(caught.value)


def test_another_account_sees_none_of_it_over_http(
    client: SGPClient, other_client: SGPClient
) -> None:
    tag = unique("tag")
    evaluation = make_evaluation(client)
    client.evaluation_groups.create(evaluation_ids=[evaluation.id], name=tag, tags=[tag])

    with raw(other_client) as http:
        for params in ({"tags": tag}, {"name": tag}, {"evaluation_id": evaluation.id}):
            page = http.get("/v5/evaluation-groups", params={**params, "include_deleted": True})
            assert page.status_code == 200 and page.json()["items"] == []
