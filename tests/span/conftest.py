"""Spans and span assessments over raw HTTP (and the a29 client); the 0.7.0 client's tests,
the tracing library's among them, are in tests/sgp07/spans."""

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server
from tests.span.factories import add_key


@pytest.fixture
def other_http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP as account B: must never see account A's spans."""
    headers = {"x-api-key": server.keys[ACCOUNT_B], "x-selected-account-id": ACCOUNT_B}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as c:
        yield c


@pytest.fixture
def colleague_http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP as account A with another API key: another person of the same account."""
    key = server.keys.get("colleague") or add_key(server, ACCOUNT_A)
    server.keys["colleague"] = key
    headers = {"x-api-key": key, "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as c:
        yield c
