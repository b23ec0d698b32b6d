"""`annotation_tasks.batch_update` with the 0.7.0 client; reviewers answer over raw HTTP (the
client has no reviewer methods: those routes are Yardstick's own)."""

from collections.abc import Iterator

import pytest

from tests.annotation.factories import Reviewer, open_reviewers
from tests.fixtures.server import Server


@pytest.fixture
def reviewers(server: Server) -> Iterator[list[Reviewer]]:
    """Three people of account A, each an API key of their own."""
    yield from open_reviewers(server, 3)
