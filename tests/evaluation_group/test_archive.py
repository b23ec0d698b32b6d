"""Soft deletes and their cascades (a group's, an evaluation's), and the group schema."""

from typing import Any

import httpx

from tests.evaluation_group.factories import (
    PATH,
    error,
    make_evaluation,
    make_group,
    members,
    ok,
    row_identifiers,
)


def test_delete_cascades_to_members_and_row_identifiers(http: httpx.Client) -> None:
    first, second = make_evaluation(http), make_evaluation(http)
    group = make_group(http, [first["id"], second["id"]], row_identifiers={second["id"]: "input"})
    path = f"{PATH}/{group['id']}"

    deleted = ok(http.delete(path))

    stamp = deleted["deleted_at"]
    assert stamp is not None and deleted["id"] == group["id"]
    assert [m["deleted_at"] for m in deleted["members"]] == [stamp, stamp]
    assert row_identifiers(deleted) == {second["id"]: "input"}
    assert error(http.get(path), 404) == f"evaluation group '{group['id']}' not found"
    found = ok(http.get(path, params={"include_deleted": "true", "views": "row_identifiers"}))
    assert found == deleted
    # The evaluations are untouched.
    for evaluation in (first, second):
        assert ok(http.get(f"/v5/evaluations/{evaluation['id']}"))["archived_at"] is None


def test_a_deleted_group_shows_the_members_it_had(http: httpx.Client) -> None:
    first, second = make_evaluation(http), make_evaluation(http)
    group = make_group(http, [first["id"], second["id"]])
    ok(http.put(f"{PATH}/{group['id']}", json={"evaluation_ids": [second["id"]]}))

    deleted = ok(http.delete(f"{PATH}/{group['id']}"))

    # `first` left before the delete: it is not among the deleted group's members.
    assert members(deleted) == [second["id"]]


def test_archiving_an_evaluation_ends_its_memberships(http: httpx.Client) -> None:
    leaving, staying = make_evaluation(http), make_evaluation(http)
    groups = [
        make_group(
            http,
            [leaving["id"], staying["id"]],
            row_identifiers={leaving["id"]: "input", staying["id"]: "n"},
        )
        for _ in range(2)
    ]

    ok(http.delete(f"/v5/evaluations/{leaving['id']}"))

    for group in groups:
        read = ok(http.get(f"{PATH}/{group['id']}", params={"views": "row_identifiers"}))
        assert members(read) == [staying["id"]]
        assert row_identifiers(read) == {staying["id"]: "n"}
        assert read["deleted_at"] is None
    assert ok(http.get(PATH, params={"evaluation_id": leaving["id"]}))["items"] == []
    # A restored evaluation does not rejoin; it may be added again.
    ok(http.patch(f"/v5/evaluations/{leaving['id']}", json={"restore": True}))
    assert members(ok(http.get(f"{PATH}/{groups[0]['id']}"))) == [staying["id"]]
    again = ok(
        http.put(
            f"{PATH}/{groups[0]['id']}", json={"evaluation_ids": [staying["id"], leaving["id"]]}
        )
    )
    assert members(again) == [staying["id"], leaving["id"]]


def fields(schema: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [
        (f["field_name"], f["source"], f["data_type"], f["item_count"]) for f in schema["fields"]
    ]


def test_schema_has_one_entry_per_live_member(http: httpx.Client) -> None:
    rows = make_evaluation(http, data=[{"input": "a", "meta": {"lang": "en"}}])
    numbers = make_evaluation(http, data=[{"x": 1}, {"x": 2.5, "y": None}])
    gone = make_evaluation(http)
    group = make_group(http, [numbers["id"], rows["id"], gone["id"]])
    ok(http.delete(f"/v5/evaluations/{gone['id']}"))

    schema = ok(http.get(f"{PATH}/{group['id']}/schema"))

    assert schema["object"] == "evaluation_group_schema"
    assert schema["evaluation_group_id"] == group["id"]
    # Each entry is exactly what the evaluation's own schema route answers.
    assert schema["evaluation_schemas"] == [
        ok(http.get(f"/v5/evaluations/{evaluation['id']}/schema")) for evaluation in (numbers, rows)
    ]
    assert fields(schema["evaluation_schemas"][0]) == [
        ("x", "data", "number", 2),
        ("y", "data", "null", 1),
    ]
    with_archived = ok(http.get(f"{PATH}/{group['id']}/schema", params={"include_archived": True}))
    assert with_archived == schema  # `gone` left the group when it was archived


def test_schema_of_a_group_without_live_members_is_empty(http: httpx.Client) -> None:
    evaluation = make_evaluation(http)
    group = make_group(http, [evaluation["id"]])
    ok(http.delete(f"/v5/evaluations/{evaluation['id']}"))

    schema = ok(http.get(f"{PATH}/{group['id']}/schema"))

    assert schema["evaluation_schemas"] == []


def test_schema_of_a_deleted_group_is_a_404(http: httpx.Client) -> None:
    group = make_group(http, [make_evaluation(http)["id"]])
    ok(http.delete(f"{PATH}/{group['id']}"))

    error(http.get(f"{PATH}/{group['id']}/schema"), 404)
