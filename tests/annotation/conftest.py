"""Human review over raw HTTP, on the shared servers of both backends."""

from collections.abc import Iterator

import httpx
import pytest

from tests.annotation.factories import Reviewer, open_reviewers
from tests.fixtures.server import ACCOUNT_B, Server


@pytest.fixture
def reviewers(server: Server) -> Iterator[list[Reviewer]]:
    """Three people of account A, each an API key of their own."""
    yield from open_reviewers(server, 3)


@pytest.fixture
def other_http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP as account B: must never see account A's tasks."""
    headers = {"x-api-key": server.keys[ACCOUNT_B], "x-selected-account-id": ACCOUNT_B}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as c:
        yield c
