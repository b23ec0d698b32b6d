"""`/v5/span-assessments` over HTTP: every type, the content rules, who may change what."""

import uuid
from typing import Any

import httpx
import pytest

from tests.span.factories import ASSESSMENTS, error, locs, ok, put, span
from yardstick.span.redaction import MARK as REDACTED

KEYS = {
    "object",
    "assessment_id",
    "assessment_type",
    "account_id",
    "span_id",
    "trace_id",
    "created_by",
    "comment",
    "rating",
    "approval",
    "rubric",
    "metadata",
    "overwrite",
    "created_at",
    "updated_at",
}
CONTENT = {
    "comment": {"comment": "reads well"},
    "rating": {"rating": 4},
    "approval": {"approval": "rejected"},
    "rubric": {"rubric": {"grounded": "yes", "tone": "formal"}},
    "metadata": {"metadata": {"reviewer": "ana", "minutes": 3}},
    "overwrite": {"overwrite": {"answer": "the corrected answer"}},
}


def a_trace(http: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stored trace of a root and a child."""
    trace = str(uuid.uuid4())
    root = span(trace, name="root")
    child = span(trace, name="child", parent_id=root["id"])
    put(http, root, child)
    return root, child


@pytest.mark.parametrize("kind", list(CONTENT))
def test_every_type_with_its_content(http: httpx.Client, kind: str) -> None:
    _, child = a_trace(http)
    body = {"assessment_type": kind, "trace_id": child["trace_id"], "span_id": child["id"]}
    created = ok(http.post(ASSESSMENTS, json={**body, **CONTENT[kind], "comment": "why"}))

    assert set(created) == KEYS and created["object"] == "span.assessment"
    assert (created["assessment_type"], created["span_id"]) == (kind, child["id"])
    if kind != "comment":
        assert created[kind] == CONTENT[kind][kind]
    assert created["comment"] == "why"  # a comment may come with any type
    assert isinstance(created["created_by"], str) and created["created_by"]
    assert ok(http.get(f"{ASSESSMENTS}/{created['assessment_id']}")) == created


def test_without_span_id_the_root_span_is_assessed(http: httpx.Client) -> None:
    root, child = a_trace(http)
    body = {"assessment_type": "rating", "rating": 5, "trace_id": root["trace_id"]}
    assert ok(http.post(ASSESSMENTS, json=body))["span_id"] == root["id"]

    headless = str(uuid.uuid4())
    put(http, span(headless, parent_id=str(uuid.uuid4())))
    no_root = http.post(ASSESSMENTS, json={**body, "trace_id": headless})
    assert "root span" in error(no_root, 404)
    assert "trace" in error(http.post(ASSESSMENTS, json={**body, "trace_id": "nope"}), 404)
    wrong_trace = {**body, "trace_id": headless, "span_id": child["id"]}
    assert "not found in trace" in error(http.post(ASSESSMENTS, json=wrong_trace), 404)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"assessment_type": "rating"}, ["body", "rating"]),
        ({"assessment_type": "rating", "rating": 6}, ["body", "rating"]),
        ({"assessment_type": "rating", "rating": 0}, ["body", "rating"]),
        ({"assessment_type": "rating", "rating": "4"}, ["body", "rating"]),
        ({"assessment_type": "rating", "rating": 4.5}, ["body", "rating"]),
        ({"assessment_type": "rating", "rating": 3, "approval": "approved"}, ["body", "approval"]),
        ({"assessment_type": "approval", "approval": "maybe"}, ["body", "approval"]),
        ({"assessment_type": "comment"}, ["body", "comment"]),
        ({"assessment_type": "comment", "comment": ""}, ["body", "comment"]),
        ({"assessment_type": "rubric", "rubric": {"a": 1}}, ["body", "rubric", "a"]),
        ({"assessment_type": "overwrite", "overwrite": "text"}, ["body", "overwrite"]),
        ({"assessment_type": "like", "comment": "x"}, ["body", "assessment_type"]),
        ({"comment": "x"}, ["body", "assessment_type"]),
    ],
)
def test_content_rules(http: httpx.Client, body: dict[str, Any], loc: list[str]) -> None:
    root, _ = a_trace(http)
    response = http.post(ASSESSMENTS, json={"trace_id": root["trace_id"], **body})
    assert locs(response) == [loc]


def test_one_overwrite_per_span(http: httpx.Client) -> None:
    root, child = a_trace(http)
    target = {"trace_id": root["trace_id"], "span_id": child["id"]}
    first = ok(
        http.post(ASSESSMENTS, json={**target, "assessment_type": "overwrite", "overwrite": {}})
    )
    again = http.post(ASSESSMENTS, json={**target, "assessment_type": "overwrite", "overwrite": {}})
    assert "already has an overwrite" in error(again, 409)
    assert again.headers["x-should-retry"] == "false"
    # Another span of the trace may have its own; a rating may become one only when free.
    ok(http.post(ASSESSMENTS, json={**target, "span_id": root["id"], **_overwrite()}))
    rating = ok(http.post(ASSESSMENTS, json={**target, "assessment_type": "rating", "rating": 2}))
    change = {"assessment_type": "overwrite", "overwrite": {"a": 1}, "rating": None}
    error(http.patch(f"{ASSESSMENTS}/{rating['assessment_id']}", json=change), 409)
    ok(http.delete(f"{ASSESSMENTS}/{first['assessment_id']}"))
    assert ok(http.patch(f"{ASSESSMENTS}/{rating['assessment_id']}", json=change))["overwrite"] == {
        "a": 1
    }


def _overwrite() -> dict[str, Any]:
    return {"assessment_type": "overwrite", "overwrite": {"answer": "better"}}


def test_update_merges_then_checks(http: httpx.Client) -> None:
    root, _ = a_trace(http)
    created = ok(
        http.post(
            ASSESSMENTS,
            json={"assessment_type": "rating", "rating": 2, "trace_id": root["trace_id"]},
        )
    )
    path = f"{ASSESSMENTS}/{created['assessment_id']}"

    updated = ok(http.patch(path, json={"rating": 3, "comment": "better now"}))
    assert (updated["rating"], updated["comment"], updated["assessment_type"]) == (
        3,
        "better now",
        "rating",
    )
    assert updated["updated_at"] >= created["updated_at"]
    # Another type needs its content, and the old content gone.
    assert locs(http.patch(path, json={"assessment_type": "approval"})) == [["body", "approval"]]
    both = http.patch(path, json={"assessment_type": "approval", "approval": "approved"})
    assert locs(both) == [["body", "rating"]]
    assert locs(http.patch(path, json={"rating": None})) == [["body", "rating"]]
    changed = ok(
        http.patch(
            path, json={"assessment_type": "approval", "approval": "approved", "rating": None}
        )
    )
    assert (changed["assessment_type"], changed["approval"], changed["rating"]) == (
        "approval",
        "approved",
        None,
    )
    assert ok(http.patch(path, json={"comment": None}))["comment"] is None
    assert ok(http.get(path)) == ok(http.patch(path, json={}))


def test_credentials_in_free_form_fields_are_stored_redacted(http: httpx.Client) -> None:
    """A comment, metadata or a corrected output pasted with a key kept it, where the span it
    assesses had it redacted."""
    key = "sk-" + "A1b2C3d4" * 4
    root, _ = a_trace(http)
    created = ok(
        http.post(
            ASSESSMENTS,
            json={
                "assessment_type": "overwrite",
                "trace_id": root["trace_id"],
                "overwrite": {"answer": f"use {key}"},
                "comment": f"the key was {key}",
            },
        )
    )
    stored = ok(http.get(f"{ASSESSMENTS}/{created['assessment_id']}"))
    assert key not in str(stored) and key not in str(created)
    assert stored["overwrite"] == {"answer": f"use {REDACTED}"}
    assert stored["comment"] == f"the key was {REDACTED}"
    noted = {"assessment_type": "metadata", "trace_id": root["trace_id"], "metadata": {"n": key}}
    assert ok(http.post(ASSESSMENTS, json=noted))["metadata"] == {"n": REDACTED}
    path = f"{ASSESSMENTS}/{created['assessment_id']}"
    changed = ok(http.patch(path, json={"comment": f"Bearer {key}"}))
    assert changed["comment"] == f"Bearer {REDACTED}"


def test_only_the_creator_may_change_or_delete(
    http: httpx.Client, colleague_http: httpx.Client, other_http: httpx.Client
) -> None:
    root, _ = a_trace(http)
    body = {"assessment_type": "comment", "comment": "mine", "trace_id": root["trace_id"]}
    created = ok(http.post(ASSESSMENTS, json=body))
    path = f"{ASSESSMENTS}/{created['assessment_id']}"

    # A colleague (another key of the account) reads it, but may not change or delete it.
    assert ok(colleague_http.get(path)) == created
    assert "only the API key" in error(colleague_http.patch(path, json={"comment": "x"}), 403)
    error(colleague_http.delete(path), 403)
    # Another account sees nothing.
    for response in (
        other_http.get(path),
        other_http.patch(path, json={"comment": "x"}),
        other_http.delete(path),
    ):
        error(response, 404)
    theirs = other_http.post(ASSESSMENTS, json=body)
    assert "not found" in error(theirs, 404)  # their account has no such trace

    assert ok(http.delete(path)) == {
        "id": created["assessment_id"],
        "deleted": True,
        "object": "span.assessment",
    }
    error(http.get(path), 404)
    error(http.delete(path), 404)


def test_list_by_span_and_by_trace(http: httpx.Client, other_http: httpx.Client) -> None:
    root, child = a_trace(http)
    trace = root["trace_id"]
    made = [
        ok(http.post(ASSESSMENTS, json={"trace_id": trace, "span_id": target["id"], **content}))
        for target, content in (
            (root, {"assessment_type": "comment", "comment": "first"}),
            (child, {"assessment_type": "rating", "rating": 1}),
            (child, {"assessment_type": "comment", "comment": "third"}),
        )
    ]
    made_ids = [item["assessment_id"] for item in made]

    def listed(**params: Any) -> list[str]:
        page = ok(http.get(ASSESSMENTS, params=params))
        assert set(page) == {"object", "items"} and page["object"] == "list"
        return [item["assessment_id"] for item in page["items"]]

    assert listed(trace_id=trace) == made_ids  # oldest first, every span of the trace
    assert listed(span_id=child["id"]) == made_ids[1:]
    assert listed(trace_id=trace, assessment_type="comment") == [made_ids[0], made_ids[2]]
    assert listed(span_id="no-such-span") == []
    assert ok(other_http.get(ASSESSMENTS, params={"trace_id": trace}))["items"] == []
    assert "exactly one" in error(http.get(ASSESSMENTS), 400)
    error(http.get(ASSESSMENTS, params={"trace_id": trace, "span_id": child["id"]}), 400)
    assert locs(http.get(ASSESSMENTS, params={"trace_id": trace, "assessment_type": "x"})) == [
        ["query", "assessment_type"]
    ]
