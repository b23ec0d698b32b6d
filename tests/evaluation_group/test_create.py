"""`POST /v5/evaluation-groups`: members checked against the account, all or nothing."""

import httpx
import pytest

from tests.evaluation_group.factories import (
    MISSING,
    PATH,
    error,
    make_evaluation,
    make_group,
    members,
    ok,
    row_identifiers,
    unique,
)


def test_create_answers_with_enriched_members_and_row_identifiers(http: httpx.Client) -> None:
    first = make_evaluation(http, tags=["red", "blue"])
    second = make_evaluation(http)
    name = unique("group")

    group = ok(
        http.post(
            PATH,
            json={
                "name": name,
                "evaluation_ids": [second["id"], first["id"]],
                "description": "side by side",
                "tags": ["t1", "t2"],
                "metadata": {"team": "evals", "round": 1},
                "row_identifiers": {first["id"]: "input", "not-a-member": "x"},
            },
        )
    )

    assert group["object"] == "evaluation_group"
    assert (group["name"], group["description"]) == (name, "side by side")
    assert group["account_id"] == "acct-a"
    assert group["tags"] == ["t1", "t2"]
    assert group["metadata"] == {"team": "evals", "round": 1}
    assert group["created_at"].endswith("Z") and group["deleted_at"] is None
    # Members in the order given, each enriched with its evaluation.
    assert members(group) == [second["id"], first["id"]]
    member = group["members"][1]
    assert member["object"] == "evaluation_group.member"
    assert member["evaluation_group_id"] == group["id"]
    assert (member["evaluation_name"], member["evaluation_tags"]) == (
        first["name"],
        ["red", "blue"],
    )
    assert member["evaluation_created_at"] == first["created_at"]
    assert member["deleted_at"] is None and member["created_at"] == group["created_at"]
    # The entry for a non-member is ignored.
    assert row_identifiers(group) == {first["id"]: "input"}
    assert group["row_identifiers"][0]["object"] == "evaluation_group.row_identifier"


def test_defaults(http: httpx.Client) -> None:
    evaluation = make_evaluation(http)

    group = make_group(http, [evaluation["id"]])

    assert (group["description"], group["tags"], group["metadata"]) == (None, [], {})
    assert group["row_identifiers"] == []


@pytest.mark.parametrize(
    ("evaluation_ids", "message"),
    [
        ([], "evaluation_ids: must hold at least one"),
        (["{a}", "{a}"], "evaluation_ids[1]: '{a}' is listed twice"),
        (["{a}", MISSING], f"evaluation_ids[1]: evaluation '{MISSING}' not found"),
    ],
)
def test_bad_members_are_400s_naming_the_id(
    http: httpx.Client, evaluation_ids: list[str], message: str
) -> None:
    evaluation = make_evaluation(http)
    ids = [e.replace("{a}", evaluation["id"]) for e in evaluation_ids]
    name = unique("refused")

    detail = error(http.post(PATH, json={"name": name, "evaluation_ids": ids}), 400)

    assert message.replace("{a}", evaluation["id"]) in detail
    assert ok(http.get(PATH, params={"name": name}))["total"] == 0  # nothing was written


def test_another_accounts_evaluation_does_not_exist(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    mine = make_evaluation(http)
    theirs = make_evaluation(other_http)

    detail = error(
        http.post(PATH, json={"name": "x", "evaluation_ids": [mine["id"], theirs["id"]]}), 400
    )

    assert detail == f"evaluation_ids[1]: evaluation '{theirs['id']}' not found in this account"


def test_an_archived_evaluation_cannot_join(http: httpx.Client) -> None:
    evaluation = make_evaluation(http)
    ok(http.delete(f"/v5/evaluations/{evaluation['id']}"))

    detail = error(http.post(PATH, json={"name": "x", "evaluation_ids": [evaluation["id"]]}), 400)

    assert "is archived" in detail


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"evaluation_ids": ["x"]}, ["body", "name"]),
        ({"name": "n" * 129, "evaluation_ids": ["x"]}, ["body", "name"]),
        ({"name": ""}, ["body", "evaluation_ids"]),
        ({"name": "n", "evaluation_ids": "x"}, ["body", "evaluation_ids"]),
        ({"name": "n", "evaluation_ids": ["x"], "tags": "t"}, ["body", "tags"]),
        ({"name": "n", "evaluation_ids": ["x"], "row_identifiers": {"x": ""}}, None),
    ],
)
def test_malformed_bodies_are_422s_naming_the_field(
    http: httpx.Client, body: dict[str, object], loc: list[str] | None
) -> None:
    detail = error(http.post(PATH, json=body), 422)

    locs = [entry["loc"] for entry in detail]
    if loc is None:
        assert locs[0][:2] == ["body", "row_identifiers"]
    else:
        assert loc in locs


def test_a_name_of_128_characters_is_fine(http: httpx.Client) -> None:
    evaluation = make_evaluation(http)

    assert make_group(http, [evaluation["id"]], name="n" * 128)["name"] == "n" * 128


def test_an_idempotency_key_makes_a_retry_safe(http: httpx.Client) -> None:
    evaluation = make_evaluation(http)
    body = {"name": unique("once"), "evaluation_ids": [evaluation["id"]]}
    headers = {"idempotency-key": unique("key")}

    first = http.post(PATH, json=body, headers=headers)
    again = http.post(PATH, json=body, headers=headers)

    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == ok(first)["id"]
    assert ok(http.get(PATH, params={"name": body["name"]}))["total"] == 1
