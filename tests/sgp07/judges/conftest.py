"""The judge suite's engine server: as `tests/sgp07`'s, plus two vendors on the fake model server,
`vllm` (guided_decoding = "vllm") and `plain` (no constrained decoding)."""

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, require_backend
from tests.execution.conftest import engine_env
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server, run_server


@pytest.fixture(scope="package", params=BACKENDS)
def engine_server(
    request: pytest.FixtureRequest,
    fake_model_server: FakeModels,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    backend: str = request.param
    require_backend(backend)
    tmp = tmp_path_factory.mktemp(f"judges07-{backend}")
    providers = tmp / "providers.toml"
    providers.write_text(
        f'[vendors.vllm]\nbase_url = "{fake_model_server.base_url}"\nguided_decoding = "vllm"\n'
        f'[vendors.plain]\nbase_url = "{fake_model_server.base_url}"\n'
    )
    env = engine_env(fake_model_server, YARDSTICK_PROVIDERS_FILE=str(providers))
    yield from run_server(backend, tmp, **env)
