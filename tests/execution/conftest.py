"""Engine tests: the official client on the shared engine server (tests/fixtures/engine_server.py),
and servers of their own for the tests that kill them."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_backend
from tests.fixtures.engine_server import engine_env
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server, run_server


@pytest.fixture
def crash_server(
    request: pytest.FixtureRequest, tmp_path: Path, fake_models: FakeModels
) -> Iterator[Server]:
    """A server of its own, for tests that `kill -9` it: `request.param` is (backend, serve args);
    workers beat every 0.5 s and count as dead after 3 s."""
    backend, serve_args = request.param
    require_backend(backend)
    env = engine_env(
        fake_models, YARDSTICK_HEARTBEAT_SECONDS="0.5", YARDSTICK_WORKER_DEAD_AFTER_SECONDS="3"
    )
    yield from run_server(backend, tmp_path, serve_args=serve_args, **env)
