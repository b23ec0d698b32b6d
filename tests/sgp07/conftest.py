"""The scale-gp-beta 0.7.0 suite: the same real servers, driven by the 0.7.0 client.

Run it with `./dev test07` (or as the second half of `./dev test`), which puts the 0.7.0
client first on the path. The fixtures of `tests/conftest.py` (`server`, `client`,
`other_client`, `http`) then hand out 0.7.0 clients; `engine_client` talks to a server with
the engine and the fake model server, as in `tests/execution`.
"""

from collections.abc import Iterator

import pytest
import scale_gp_beta
from scale_gp_beta import SGPClient

from tests.conftest import BACKENDS, make_client, require_backend
from tests.execution.conftest import engine_env
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_B, Server, run_server

if not scale_gp_beta.__version__.startswith("0.7"):
    raise pytest.UsageError(
        f"tests/sgp07 needs scale-gp-beta 0.7.x, found {scale_gp_beta.__version__}: run ./dev test07"
    )


@pytest.fixture(scope="session", params=BACKENDS)
def engine_server(
    request: pytest.FixtureRequest,
    fake_model_server: FakeModels,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """One server with the engine per backend for the whole 0.7.0 run, on the fake models."""
    backend: str = request.param
    require_backend(backend)
    yield from run_server(
        backend, tmp_path_factory.mktemp(f"engine07-{backend}"), **engine_env(fake_model_server)
    )


@pytest.fixture
def engine_client(engine_server: Server, fake_models: FakeModels) -> SGPClient:
    """The 0.7.0 client on the engine server; the fake model server is reset first."""
    return make_client(engine_server)


@pytest.fixture
def other_engine_client(engine_server: Server) -> SGPClient:
    """The 0.7.0 client on the engine server as account B."""
    return make_client(engine_server, ACCOUNT_B)
