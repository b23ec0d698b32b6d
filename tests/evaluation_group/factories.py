"""Factory functions for the evaluation group tests.

Tests share one account on one server per backend, so each names or tags what it makes with
something unique and lists only that.
"""

import uuid
from typing import Any

import httpx

PATH = "/v5/evaluation-groups"
MISSING = "00000000-0000-7000-8000-000000000000"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def make_evaluation(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    """An evaluation of two rows and no tasks (completed at once, no engine needed)."""
    body = {"name": unique("ev"), "data": [{"input": "a", "n": 1}, {"input": "b", "n": 2}]}
    result: dict[str, Any] = ok(http.post("/v5/evaluations", json={**body, **fields}))
    return result


def make_group(http: httpx.Client, evaluation_ids: list[str], **fields: Any) -> dict[str, Any]:
    body = {"name": unique("group"), "evaluation_ids": evaluation_ids, **fields}
    result: dict[str, Any] = ok(http.post(PATH, json=body))
    return result


def error(response: httpx.Response, status: int) -> Any:
    """The `detail` of an error response with this status."""
    assert response.status_code == status, response.text
    return response.json()["detail"]


def members(group: dict[str, Any]) -> list[str]:
    """The evaluation ids of the group's members, in order."""
    return [member["evaluation_id"] for member in group["members"]]


def row_identifiers(group: dict[str, Any]) -> dict[str, str]:
    return {row["evaluation_id"]: row["column_name"] for row in group["row_identifiers"]}
