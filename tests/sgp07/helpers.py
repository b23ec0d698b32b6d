"""Shared pieces of the 0.7.0 suite."""

import uuid
from typing import Any

import httpx
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import APIStatusError


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_locs(exc: APIStatusError) -> list[list[Any]]:
    body = exc.body if isinstance(exc.body, dict) else {}
    detail = body.get("detail")
    if isinstance(detail, list):
        return [entry["loc"] for entry in detail]
    return []


def assert_final_conflict(exc: APIStatusError) -> None:
    """A permanent 409: the client must not retry it."""
    assert exc.status_code == 409
    assert exc.response.headers["x-should-retry"] == "false"


def assert_identity(entity: Any, user_id: str | None = None) -> None:
    """0.7.0's `created_by` identity, next to a29's `created_by_user_id`."""
    created_by = entity.created_by
    assert created_by is not None
    assert (created_by.type, created_by.object) == ("user", "identity")
    expected = user_id if user_id is not None else entity.created_by_user_id
    assert created_by.id == expected


def upload(client: SGPClient, name: str = "a.txt", content: bytes = b"hello") -> str:
    return client.files.create(file=(name, content, "text/plain")).id


def raw(client: SGPClient) -> httpx.Client:
    """Raw HTTP with the client's own credentials, for what the client does not expose."""
    return httpx.Client(
        base_url=str(client.base_url),
        headers={"x-api-key": client.api_key, "x-selected-account-id": client.account_id or ""},
        timeout=60,
    )
