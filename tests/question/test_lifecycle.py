"""The 0.7.0-era question features as the a29 client and raw HTTP see them: timestamp questions,
conditions, dropdown/multi, rename, archive and restore (a29 has no methods for the last three).
"""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta.types.question import CategoricalQuestion

MISSING = "00000000-0000-7000-8000-000000000000"


def _create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "q", "prompt": "p", "configuration": {"choices": ["a", "b"]}, **fields}
    response = http.post("/v5/questions", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a29_reads_a_timestamp_question(client: SGPClient, http: httpx.Client) -> None:
    created = _create(http, question_type="timestamp", configuration={"multi": True})

    # a29 knows no timestamp type: it gets the first variant, with every key kept.
    question = client.questions.retrieve(created["id"])
    assert question.id == created["id"]
    assert question.question_type == "timestamp"  # type: ignore[comparison-overlap]
    assert question.created_by_user_id == created["created_by_user_id"]
    assert [q.id for q in client.questions.list(limit=1).items] == [created["id"]]


def test_a29_creates_timestamp_multi_and_conditions(client: SGPClient) -> None:
    conditions = [{"question_id": "other", "equals": "yes"}]
    # a29 knows neither the timestamp type nor multi: no overload matches.
    created = client.questions.create(  # type: ignore[call-overload]
        name="when",
        prompt="When did it happen?",
        question_type="timestamp",
        configuration={"multi": True},
        extra_body={"conditions": conditions},  # a29 has no such parameter
    )
    raw = client.questions.with_raw_response.retrieve(created.id).http_response.json()
    assert raw["question_type"] == "timestamp"
    assert raw["configuration"] == {"multi": True}
    assert raw["conditions"] == conditions

    multi = client.questions.create(  # type: ignore[call-overload]
        name="colours",
        prompt="Which?",
        configuration={"choices": ["red", "blue"], "multi": True, "dropdown": True},
    )
    assert isinstance(multi, CategoricalQuestion)
    assert multi.configuration.choices == ["red", "blue"]


def test_responses_carry_both_identity_fields(http: httpx.Client) -> None:
    created = _create(http)

    assert created["created_by"] == {
        "id": created["created_by_user_id"],
        "type": "user",
        "object": "identity",
    }
    assert created["archived_at"] is None and created["conditions"] is None


def test_rename_archive_restore_over_http(client: SGPClient, http: httpx.Client) -> None:
    created = _create(http)
    path = f"/v5/questions/{created['id']}"

    renamed = http.patch(path, json={"name": "renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "renamed"

    archived = http.delete(path)
    assert archived.status_code == 200
    archived_at = archived.json()["archived_at"]
    assert archived_at.endswith("Z")
    assert http.delete(path).json()["archived_at"] == archived_at  # idempotent
    assert client.questions.retrieve(created["id"]).name == "renamed"  # still retrievable
    assert created["id"] not in [q.id for q in client.questions.list(limit=10000)]
    listed = http.get("/v5/questions", params={"ids": created["id"], "include_archived": "true"})
    assert [q["id"] for q in listed.json()["items"]] == [created["id"]]

    conflict = http.patch(path, json={"name": "again"})
    assert conflict.status_code == 409
    assert conflict.headers["x-should-retry"] == "false"
    assert "restore" in conflict.json()["detail"]

    # The 0.7.0 client sends a JSON content type with the empty body.
    restored = http.post(f"{path}/restore", headers={"content-type": "application/json"})
    assert restored.status_code == 200 and restored.json()["archived_at"] is None
    assert http.post(f"{path}/restore").json()["archived_at"] is None
    assert created["id"] in [q.id for q in client.questions.list(limit=10000)]
    assert http.patch(path, json={"name": "again"}).json()["name"] == "again"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("PATCH", "", {"name": "x"}), ("DELETE", "", None), ("POST", "/restore", None)],
)
def test_lifecycle_routes_404_for_unknown_and_foreign_questions(
    http: httpx.Client, other_client: SGPClient, method: str, suffix: str, body: Any
) -> None:
    theirs = other_client.questions.create(
        name="theirs", prompt="p", configuration={"choices": ["a"]}
    )

    for question_id in (MISSING, theirs.id):
        response = http.request(method, f"/v5/questions/{question_id}{suffix}", json=body)
        assert response.status_code == 404, response.text
    assert other_client.questions.retrieve(theirs.id).name == "theirs"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "name"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "n", "configuration": {"choices": ["z"]}}, ["body", "configuration"]),
    ],
)
def test_bad_update_names_the_field(
    http: httpx.Client, body: dict[str, Any], loc: list[str]
) -> None:
    created = _create(http)

    response = http.patch(f"/v5/questions/{created['id']}", json=body)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]
