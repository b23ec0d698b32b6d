"""The scale-gp-beta 0.7.0 suite: the same real servers, driven by the 0.7.0 client.

Run it with `./dev test07` (or as one of the three processes of `./dev test`), which puts the 0.7.0
client first on the path. The fixtures of `tests/conftest.py` (`server`, `client`,
`other_client`, `http`) then hand out 0.7.0 clients; `engine_client` talks to the engine's
server of tests/fixtures/engine_server.py, which the a29 suite uses too (in its own process).
"""

import pytest
import scale_gp_beta
from scale_gp_beta import SGPClient

from tests.conftest import make_client
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_B, Server

if not scale_gp_beta.__version__.startswith("0.7"):
    raise pytest.UsageError(
        f"tests/sgp07 needs scale-gp-beta 0.7.x, found {scale_gp_beta.__version__}: run ./dev test07"
    )


@pytest.fixture
def engine_client(engine_server: Server, fake_models: FakeModels) -> SGPClient:
    """The 0.7.0 client on the engine server; the fake model server is reset first."""
    return make_client(engine_server)


@pytest.fixture
def other_engine_client(engine_server: Server) -> SGPClient:
    """The 0.7.0 client on the engine server as account B."""
    return make_client(engine_server, ACCOUNT_B)
