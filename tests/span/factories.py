"""Factory functions for the span and span assessment tests (plain HTTP).

Tests share one account on one server per backend, so each makes its spans in traces and
groups of its own and searches within them (`group_id`, `trace_ids`, unique words).
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.fixtures.server import Server, server_hasher
from yardstick.auth.service import auth_service, generate_key
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory

SEARCH = "/v5/spans/search"
BATCH = "/v5/spans/batch"
ASSESSMENTS = "/v5/span-assessments"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def at(seconds: float) -> str:
    """A timestamp `seconds` after T0, as the tracing library sends it."""
    return (T0 + timedelta(seconds=seconds)).isoformat()


def span(trace_id: str, **fields: Any) -> dict[str, Any]:
    """A completed span of `trace_id`, starting at T0 (or its `start_timestamp`) and lasting
    a second, unless told."""
    start = fields.get("start_timestamp", at(0))
    end = datetime.fromisoformat(start) + timedelta(seconds=1)
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "trace_id": trace_id,
        "name": "step",
        "start_timestamp": start,
        "end_timestamp": end.isoformat(),
    }
    body.update(fields)
    return body


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def error(response: httpx.Response, status: int) -> Any:
    """The `detail` of an error response with this status."""
    assert response.status_code == status, response.text
    return response.json()["detail"]


def locs(response: httpx.Response) -> list[list[Any]]:
    """The `loc` of each problem of a 422."""
    return [problem["loc"] for problem in error(response, 422)]


def put(http: httpx.Client, *spans: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(http.put(BATCH, json={"items": list(spans)}))["items"]
    return items


def search(http: httpx.Client, body: dict[str, Any], **params: Any) -> dict[str, Any]:
    page: dict[str, Any] = ok(http.post(SEARCH, json=body, params=params))
    return page


def ids(http: httpx.Client, body: dict[str, Any], **params: Any) -> list[str]:
    """The ids of the first page of a search, in its order."""
    return [item["id"] for item in search(http, body, **params)["items"]]


def add_key(server: Server, account_id: str) -> str:
    """Another API key of the account, written to the server's database: another person of it
    (assessments may be changed only by the key that made them)."""
    engine = create_db_engine(server.database_url)
    try:
        key = generate_key()
        with SessionFactory(engine).write() as session, session.begin():
            hasher = server_hasher(server.data_dir)
            auth_service.add_key(session, hasher, account_id=account_id, key=key, name="colleague")
        return key
    finally:
        engine.dispose()
