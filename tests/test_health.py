import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.fixtures.server import ACCOUNT_A, Server


def test_health_needs_no_auth(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_and_docs_are_served(server: Server) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json", timeout=60).json()
    assert "/v5/datasets" in spec["paths"]
    assert httpx.get(f"{server.base_url}/docs").status_code == 200
    # No ReDoc: it would load its script from a CDN, and show nothing offline.
    assert httpx.get(f"{server.base_url}/redoc").status_code == 404


def test_head_is_answered_wherever_get_is(server: Server) -> None:
    """RFC 9110: a load balancer's health check (or `curl -I`) met a 405."""
    health = httpx.head(f"{server.base_url}/health")
    assert (health.status_code, health.content) == (200, b"")
    assert health.headers["x-content-type-options"] == "nosniff"
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    listed = httpx.head(f"{server.base_url}/v5/datasets", headers=headers)
    got = httpx.get(f"{server.base_url}/v5/datasets", headers=headers)
    assert (listed.status_code, listed.content) == (200, b"")
    assert listed.headers["content-type"] == got.headers["content-type"]
    assert httpx.head(f"{server.base_url}/v5/datasets").status_code == 401
    assert httpx.head(f"{server.base_url}/v5/nope", headers=headers).status_code == 404


@pytest.mark.parametrize("server", ["postgresql"], indirect=True)
def test_health_answers_at_once_while_its_table_is_locked(server: Server) -> None:
    """A probe behind a lock (a migration, a long transaction) waited for it: a burst of them
    held the threads and connections every other request needs. PostgreSQL alone: SQLite's
    readers never wait for a writer."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            probe = httpx.get(f"{server.base_url}/health", timeout=30)
            waited = time.monotonic() - started
            holder.rollback()
    finally:
        engine.dispose()
    assert probe.status_code == 503 and probe.json()["status"] == "unavailable"
    # No key is needed: the driver's message (host, port, database, user) stays in the log.
    detail = probe.json()["detail"]
    assert detail.startswith("the database cannot be reached (") and "yardstick" not in detail
    assert waited < 10
    assert httpx.get(f"{server.base_url}/health").status_code == 200
