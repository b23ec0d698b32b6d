"""Bad create bodies are 4xx naming the field, never 5xx, and store nothing."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError

from tests.evaluation.helpers import error_locs, evaluation_ids, unique

GOOD: dict[str, Any] = {"name": "n", "data": [{"i": 0}]}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"data": [{"i": 0}]}, ["body", "name"]),
        ({**GOOD, "name": ""}, ["body", "name"]),
        ({**GOOD, "name": None}, ["body", "name"]),
        ({**GOOD, "name": 7}, ["body", "name"]),
        ({"name": "n"}, ["body", "data"]),
        ({**GOOD, "data": None}, ["body", "data"]),
        ({**GOOD, "data": []}, ["body", "data"]),
        ({**GOOD, "data": {"i": 0}}, ["body", "data"]),
        ({**GOOD, "data": "rows"}, ["body", "data"]),
        ({**GOOD, "data": [{"i": 0}, 1]}, ["body", "data", 1]),
        ({**GOOD, "data": [{"i": 0}, [1]]}, ["body", "data", 1]),
        ({**GOOD, "data": [{"i": 0}, None]}, ["body", "data", 1]),
        ({**GOOD, "tags": "a"}, ["body", "tags"]),
        ({**GOOD, "tags": ["a", 1]}, ["body", "tags", 1]),
        ({**GOOD, "description": ["d"]}, ["body", "description"]),
        ({**GOOD, "tasks": {"configuration": {}}}, ["body", "tasks"]),
        ({**GOOD, "tasks": ["chat_completion"]}, ["body", "tasks", 0]),
        ({**GOOD, "dataset_id": 5}, ["body", "dataset_id"]),
        ({**GOOD, "dataset": "ds"}, ["body", "dataset"]),
        ({**GOOD, "dataset": {"name": "ds", "keys": "input"}}, ["body", "dataset", "keys"]),
    ],
)
def test_create_rejects(client: SGPClient, body: dict[str, Any], loc: list[str | int]) -> None:
    tag = unique("tag")

    with pytest.raises(UnprocessableEntityError) as caught:
        client.post(
            "/v5/evaluations", body={**body, "tags": body.get("tags", [tag])}, cast_to=object
        )

    assert error_locs(caught.value) == [loc]
    assert evaluation_ids(client, tag, include_archived=True) == []


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b'{"name": "n", "data": [{"i": 0}]',
        b"",
        b"null",
        b"[]",
        b'"name"',
        b"\xff\xfe",
        b"NaN",
        b'{"name": "n", "data": [{"i": NaN}]}',
    ],
)
def test_malformed_json_is_4xx(http: httpx.Client, content: bytes) -> None:
    response = http.post(
        "/v5/evaluations", content=content, headers={"content-type": "application/json"}
    )

    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_wrong_content_type_is_4xx(http: httpx.Client) -> None:
    response = http.post(
        "/v5/evaluations",
        content=b'{"name": "n", "data": [{"i": 0}]}',
        headers={"content-type": "text/plain"},
    )

    assert 400 <= response.status_code < 500


def test_unknown_body_keys_are_ignored(client: SGPClient) -> None:
    tag = unique("tag")

    created = client.post(
        "/v5/evaluations", body={**GOOD, "tags": [tag], "priority": "high"}, cast_to=object
    )

    assert evaluation_ids(client, tag) == [created["id"]]  # type: ignore[index]
