"""A Yardstick server whose vendors point at the fake model server, per database backend."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.conftest import make_client
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server, free_port, run_server

CONCURRENCY = 4
MAX_ATTEMPTS = 3
OPENAI_KEY = "sk-fake-openai"


@pytest.fixture(scope="package")
def llm_server(
    server: Server, fake_model_server: FakeModels, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp(f"inference-{server.backend}")
    providers_file = tmp / "providers.toml"
    fake = fake_model_server.base_url
    providers_file.write_text(
        f"""
[vendors.llmengine]
base_url = "{fake}"

[vendors.launch]
base_url = "{fake}"

[vendors.xai]
base_url = "{fake}"
models = ["grok-static"]

# Down for good: the models listing must still answer.
[vendors.cohere]
base_url = "http://127.0.0.1:{free_port()}/v1"
"""
    )
    yield from run_server(
        server.backend,
        tmp,
        OPENAI_BASE_URL=fake,
        OPENAI_API_KEY=OPENAI_KEY,
        YARDSTICK_PROVIDERS_FILE=str(providers_file),
        YARDSTICK_MODEL_CONCURRENCY=str(CONCURRENCY),
        YARDSTICK_MODEL_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        YARDSTICK_MODEL_TIMEOUT_SECONDS="10",
    )


@pytest.fixture
def llm(llm_server: Server, fake_models: FakeModels) -> SGPClient:
    """The official client on the inference server, with the fake models reset."""
    return make_client(llm_server)


@pytest.fixture
def llm_http(llm_server: Server, fake_models: FakeModels) -> Iterator[httpx.Client]:
    """Raw HTTP on the inference server, as account A."""
    headers = {"x-api-key": llm_server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=llm_server.base_url, headers=headers, timeout=60) as client:
        yield client
