"""The server for the evaluation and evaluation-item tests: `yardstick serve --no-worker`.

These tests pin down what a create stores and what the reads return: the
initial status, and every task pending with a `null` result. An engine worker would start
running tasks at once and race those assertions, so this server runs without one; the engine
has tests of its own. A task's `model` must route to a configured vendor at create time, so a
providers file configures `openai` (nothing calls it: no worker runs).

Otherwise it is the harness's server (`tests.fixtures.server`): a fresh database per backend,
account A from the init key, account B made with the CLI.
"""

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, require_backend
from tests.fixtures.server import Server, run_server

PROVIDERS = '[vendors.openai]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "unused"\n'


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Overrides the harness's `server` (and so `client`, `other_client`, `http`) here."""
    backend: str = request.param
    require_backend(backend)
    tmp = tmp_path_factory.mktemp(f"evaluation-{backend}")
    providers = tmp / "providers.toml"
    providers.write_text(PROVIDERS)
    yield from run_server(
        backend, tmp, serve_args=["--no-worker"], YARDSTICK_PROVIDERS_FILE=str(providers)
    )
