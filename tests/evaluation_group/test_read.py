"""Retrieve and list: views, filters (all ANDed), paging and another account's groups."""

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
    unique,
)


def ids(page: dict[str, Any]) -> list[str]:
    return [group["id"] for group in page["items"]]


def test_retrieve_always_has_members_and_row_identifiers_on_request(http: httpx.Client) -> None:
    evaluation = make_evaluation(http)
    group = make_group(http, [evaluation["id"]], row_identifiers={evaluation["id"]: "input"})

    plain = ok(http.get(f"{PATH}/{group['id']}"))
    with_rows = ok(http.get(f"{PATH}/{group['id']}", params={"views": "row_identifiers"}))

    assert members(plain) == [evaluation["id"]] and "row_identifiers" not in plain
    assert plain["members"][0]["evaluation_name"] == evaluation["name"]
    assert row_identifiers(with_rows) == {evaluation["id"]: "input"}
    assert {k: v for k, v in with_rows.items() if k != "row_identifiers"} == plain


def test_an_archived_member_evaluation_stays_readable(http: httpx.Client) -> None:
    """A deleted group keeps the members it had, though their evaluations are archived since."""
    evaluation = make_evaluation(http)
    group = make_group(http, [evaluation["id"]])
    ok(http.delete(f"{PATH}/{group['id']}"))
    ok(http.delete(f"/v5/evaluations/{evaluation['id']}"))

    found = ok(http.get(f"{PATH}/{group['id']}", params={"include_deleted": True}))

    assert found["members"][0]["evaluation_name"] == evaluation["name"]


def test_unknown_and_foreign_groups_are_404s(http: httpx.Client, other_http: httpx.Client) -> None:
    theirs = make_group(other_http, [make_evaluation(other_http)["id"]])

    for group_id in (MISSING, theirs["id"]):
        for method, path in (
            ("GET", f"{PATH}/{group_id}"),
            ("GET", f"{PATH}/{group_id}/schema"),
            ("PATCH", f"{PATH}/{group_id}"),
            ("PUT", f"{PATH}/{group_id}"),
            ("DELETE", f"{PATH}/{group_id}"),
        ):
            body = {"name": "mine now"} if method in ("PATCH", "PUT") else None
            detail = error(http.request(method, path, json=body), 404)
            assert detail == f"evaluation group '{group_id}' not found"
    assert ok(other_http.get(f"{PATH}/{theirs['id']}"))["name"] == theirs["name"]


def test_lists_never_show_another_accounts_groups(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    tag = unique("tag")
    theirs = make_group(other_http, [make_evaluation(other_http)["id"]], tags=[tag])

    assert ok(http.get(PATH, params={"tags": tag}))["total"] == 0
    assert (
        ok(http.get(PATH, params={"evaluation_id": theirs["members"][0]["evaluation_id"]}))["items"]
        == []
    )
    error(http.get(PATH, params={"starting_after": theirs["id"]}), 400)


def test_list_filters_combine(http: httpx.Client) -> None:
    tag = unique("tag")
    shared = make_evaluation(http)
    other = make_evaluation(http)
    a = make_group(http, [shared["id"]], name=f"Alpha {tag}", tags=[tag, "x", "y"])
    b = make_group(http, [shared["id"], other["id"]], name=f"beta {tag}", tags=[tag, "x"])
    c = make_group(http, [other["id"]], name=f"gamma {tag}", tags=[tag, "y"])

    def listed(**params: Any) -> list[str]:
        return ids(ok(http.get(PATH, params={"tags": tag, **params})))

    assert listed() == [c["id"], b["id"], a["id"]]  # newest first
    assert listed(tags=f"{tag},x") == [b["id"], a["id"]]  # every tag given
    assert listed(tags=[tag, "x", "y"]) == [a["id"]]
    assert listed(**{"tags[]": [tag, "y"]}) == [c["id"], a["id"]]
    assert listed(name="ALPHA") == [a["id"]]  # a case-insensitive substring
    assert listed(name="%") == []  # `%` is literal
    assert listed(evaluation_id=shared["id"]) == [b["id"], a["id"]]
    assert listed(evaluation_id=other["id"], name="beta") == [b["id"]]
    assert listed(evaluation_id=MISSING) == []
    assert listed(sort_by="name", sort_order="asc") == [a["id"], b["id"], c["id"]]


def test_list_views(http: httpx.Client) -> None:
    tag = unique("tag")
    evaluation = make_evaluation(http)
    make_group(http, [evaluation["id"]], tags=[tag], row_identifiers={evaluation["id"]: "n"})

    (plain,) = ok(http.get(PATH, params={"tags": tag}))["items"]
    (both,) = ok(http.get(PATH, params={"tags": tag, "views": "members,row_identifiers"}))["items"]
    (rows,) = ok(http.get(PATH, params={"tags": tag, "views": ["row_identifiers"]}))["items"]

    assert "members" not in plain and "row_identifiers" not in plain
    assert members(both) == [evaluation["id"]]
    assert both["members"][0]["evaluation_tags"] == []
    assert row_identifiers(both) == {evaluation["id"]: "n"}
    assert "members" not in rows and row_identifiers(rows) == {evaluation["id"]: "n"}


def test_deleted_groups_are_listed_only_with_include_deleted(http: httpx.Client) -> None:
    tag = unique("tag")
    evaluation = make_evaluation(http)
    live = make_group(http, [evaluation["id"]], tags=[tag])
    gone = make_group(http, [evaluation["id"]], tags=[tag])
    ok(http.delete(f"{PATH}/{gone['id']}"))

    assert ids(ok(http.get(PATH, params={"tags": tag}))) == [live["id"]]
    page = ok(http.get(PATH, params={"tags": tag, "include_deleted": True, "views": "members"}))
    assert ids(page) == [gone["id"], live["id"]]
    deleted = page["items"][0]
    assert deleted["deleted_at"] is not None
    assert [m["deleted_at"] for m in deleted["members"]] == [deleted["deleted_at"]]
    # `evaluation_id` matches live members only, so never a deleted group.
    assert ids(
        ok(
            http.get(
                PATH,
                params={"tags": tag, "include_deleted": True, "evaluation_id": evaluation["id"]},
            )
        )
    ) == [live["id"]]


def test_paging(http: httpx.Client) -> None:
    tag = unique("tag")
    evaluation = make_evaluation(http)
    made = [make_group(http, [evaluation["id"]], tags=[tag])["id"] for _ in range(5)]
    newest_first = made[::-1]

    first = ok(http.get(PATH, params={"tags": tag, "limit": 2}))
    second = ok(http.get(PATH, params={"tags": tag, "limit": 2, "starting_after": made[3]}))
    back = ok(http.get(PATH, params={"tags": tag, "limit": 2, "ending_before": made[1]}))

    assert (ids(first), first["has_more"], first["total"], first["limit"]) == (
        newest_first[:2],
        True,
        5,
        2,
    )
    assert ids(second) == newest_first[2:4] and second["has_more"] is True
    assert ids(back) == newest_first[1:3]
    assert first["object"] == "list"


@pytest.mark.parametrize("params", [{"limit": 0}, {"sort_order": "up"}])
def test_bad_list_parameters_are_422s(http: httpx.Client, params: dict[str, Any]) -> None:
    error(http.get(PATH, params=params), 422)
