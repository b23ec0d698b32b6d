"""Evaluation dashboards over raw HTTP, on SQLite and PostgreSQL (the `server` fixture's two
backends); the 0.7.0 client's methods are driven in tests/sgp07/dashboards."""

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.server import ACCOUNT_B, Server


@pytest.fixture
def other_http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP as account B: must never see account A's dashboards."""
    headers = {"x-api-key": server.keys[ACCOUNT_B], "x-selected-account-id": ACCOUNT_B}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as c:
        yield c
