"""PATCH changes what it is sent (metadata merged); PUT replaces every attribute and, when
given `evaluation_ids`, the membership, by diff."""

from datetime import datetime
from typing import Any

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
)


@pytest.fixture
def group(http: httpx.Client) -> dict[str, Any]:
    first, second = make_evaluation(http), make_evaluation(http)
    return make_group(
        http,
        [first["id"], second["id"]],
        description="d",
        tags=["a", "b"],
        metadata={"team": "evals", "nested": {"x": 1, "y": 2}},
        row_identifiers={first["id"]: "input"},
    )


def test_patch_changes_only_what_it_sends(http: httpx.Client, group: dict[str, Any]) -> None:
    path = f"{PATH}/{group['id']}"

    renamed = ok(http.patch(path, json={"name": "renamed"}))

    assert renamed["name"] == "renamed"
    unchanged = ("description", "tags", "metadata", "members", "row_identifiers", "created_at")
    assert {k: renamed[k] for k in unchanged} == {k: group[k] for k in unchanged}
    # A null leaves name and tags as they are, and clears the description.
    cleared = ok(http.patch(path, json={"name": None, "tags": None, "description": None}))
    assert (cleared["name"], cleared["tags"], cleared["description"]) == (
        "renamed",
        ["a", "b"],
        None,
    )
    assert ok(http.patch(path, json={"tags": ["c"]}))["tags"] == ["c"]


def test_patch_merges_metadata(http: httpx.Client, group: dict[str, Any]) -> None:
    patched = ok(
        http.patch(
            f"{PATH}/{group['id']}",
            json={"metadata": {"round": 2, "team": None, "nested": {"y": 3}}},
        )
    )

    assert patched["metadata"] == {"round": 2, "nested": {"x": 1, "y": 3}}


def test_patch_replaces_the_row_identifiers(http: httpx.Client, group: dict[str, Any]) -> None:
    path = f"{PATH}/{group['id']}"
    first, second = members(group)

    replaced = ok(http.patch(path, json={"row_identifiers": {second: "n", "not-a-member": "x"}}))
    assert row_identifiers(replaced) == {second: "n"}
    assert members(replaced) == [first, second]  # membership stays
    assert row_identifiers(ok(http.patch(path, json={"row_identifiers": {}}))) == {}
    read = ok(http.get(path, params={"views": "row_identifiers"}))
    assert read["row_identifiers"] == []


@pytest.mark.parametrize("body", [{}, {"unknown": 1}, {"name": None, "metadata": None}])
def test_a_patch_that_changes_nothing_is_a_400(
    http: httpx.Client, group: dict[str, Any], body: dict[str, Any]
) -> None:
    detail = error(http.patch(f"{PATH}/{group['id']}", json=body), 400)

    assert detail.startswith("nothing to update: send at least one of name")


def test_patch_cannot_change_membership(http: httpx.Client, group: dict[str, Any]) -> None:
    detail = error(http.patch(f"{PATH}/{group['id']}", json={"evaluation_ids": [MISSING]}), 422)

    assert detail[0]["loc"] == ["body", "evaluation_ids"]
    assert "replace the group with PUT" in detail[0]["msg"]


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "n" * 129}, {"tags": "a"}, {"metadata": []}, {"row_identifiers": 1}],
)
def test_malformed_patch_fields_are_422s(
    http: httpx.Client, group: dict[str, Any], body: dict[str, Any]
) -> None:
    detail = error(http.patch(f"{PATH}/{group['id']}", json=body), 422)

    assert detail[0]["loc"][:2] == ["body", next(iter(body))]


def test_put_clears_what_it_omits_and_keeps_members(
    http: httpx.Client, group: dict[str, Any]
) -> None:
    replaced = ok(http.put(f"{PATH}/{group['id']}", json={"tags": ["only"]}))

    assert replaced["name"] == group["name"]  # a group always has a name
    assert (replaced["description"], replaced["tags"], replaced["metadata"]) == (None, ["only"], {})
    assert replaced["row_identifiers"] == []
    assert replaced["members"] == group["members"]


def test_put_replaces_metadata_whole(http: httpx.Client, group: dict[str, Any]) -> None:
    replaced = ok(
        http.put(f"{PATH}/{group['id']}", json={"name": "new", "metadata": {"nested": {"z": 0}}})
    )

    assert (replaced["name"], replaced["metadata"]) == ("new", {"nested": {"z": 0}})


def test_put_diffs_the_membership(http: httpx.Client, group: dict[str, Any]) -> None:
    first, second = members(group)
    third = make_evaluation(http)["id"]
    kept_member = group["members"][1]

    replaced = ok(
        http.put(
            f"{PATH}/{group['id']}",
            json={
                "evaluation_ids": [third, second],
                "row_identifiers": {first: "input", third: "n"},
            },
        )
    )

    # The kept member keeps its row (id, joined at); the new one joins after it.
    assert members(replaced) == [second, third]
    assert replaced["members"][0] == kept_member
    joined = [datetime.fromisoformat(m["created_at"]) for m in replaced["members"]]
    assert joined[1] > joined[0]
    assert row_identifiers(replaced) == {third: "n"}  # `first` is no member any more
    assert [g["id"] for g in ok(http.get(PATH, params={"evaluation_id": first}))["items"]] == []
    in_second = ok(http.get(PATH, params={"evaluation_id": second}))["items"]
    assert group["id"] in [g["id"] for g in in_second]
    # Back in: a new membership.
    again = ok(http.put(f"{PATH}/{group['id']}", json={"evaluation_ids": [first, second, third]}))
    assert members(again) == [second, third, first]
    assert again["members"][2]["id"] != group["members"][0]["id"]


@pytest.mark.parametrize(
    ("evaluation_ids", "message"),
    [
        ([], "evaluation_ids: must hold at least one"),
        (["{a}", "{a}"], "evaluation_ids[1]: '{a}' is listed twice"),
        ([MISSING], f"evaluation_ids[0]: evaluation '{MISSING}' not found"),
    ],
)
def test_put_refuses_bad_members_and_changes_nothing(
    http: httpx.Client, group: dict[str, Any], evaluation_ids: list[str], message: str
) -> None:
    first = members(group)[0]
    ids = [e.replace("{a}", first) for e in evaluation_ids]

    detail = error(
        http.put(f"{PATH}/{group['id']}", json={"name": "changed", "evaluation_ids": ids}), 400
    )

    assert message.replace("{a}", first) in detail
    read = ok(http.get(f"{PATH}/{group['id']}", params={"views": "row_identifiers"}))
    assert {k: read[k] for k in group} == group


def test_put_refuses_another_accounts_evaluation(
    http: httpx.Client, other_http: httpx.Client, group: dict[str, Any]
) -> None:
    theirs = make_evaluation(other_http)

    detail = error(http.put(f"{PATH}/{group['id']}", json={"evaluation_ids": [theirs["id"]]}), 400)

    assert detail == f"evaluation_ids[0]: evaluation '{theirs['id']}' not found in this account"


def test_a_deleted_group_cannot_be_changed(http: httpx.Client, group: dict[str, Any]) -> None:
    path = f"{PATH}/{group['id']}"
    ok(http.delete(path))

    for response in (
        http.patch(path, json={"name": "x"}),
        http.put(path, json={"name": "x"}),
        http.delete(path),
    ):
        assert (
            error(response, 409)
            == f"evaluation group '{group['id']}' is deleted: it cannot be changed"
        )
        assert response.headers["x-should-retry"] == "false"
