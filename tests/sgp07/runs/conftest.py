"""A server with prices and extra vendors in its providers file, for spending and fail fast."""

from collections.abc import Iterator

import pytest
from scale_gp_beta import SGPClient

from tests.conftest import BACKENDS, make_client
from tests.fixtures.engine_server import start_engine_server
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server, free_port

# USD per million tokens: large, so the fake server's few words cost visible amounts.
INPUT_PRICE = 1000.0
OUTPUT_PRICE = 2000.0
# A real model's price, for sums of fractions of a cent.
CHEAP_INPUT_PRICE = 0.15
CHEAP_OUTPUT_PRICE = 0.6


def providers_file(fake: FakeModels, closed_port: int) -> str:
    return f"""
[vendors.openai]
base_url = "{fake.base_url}"
api_key = "test-key"

[vendors.openai.prices]
"fake-chat" = {{ input = {INPUT_PRICE}, output = {OUTPUT_PRICE} }}
"fake-cheap" = {{ input = {CHEAP_INPUT_PRICE}, output = {CHEAP_OUTPUT_PRICE} }}

# Serves only the models listed: any other name is refused at create.
[vendors.listed]
base_url = "{fake.base_url}"
api_key = "test-key"
models = ["fake-chat"]

# Nothing listens here: every call fails with ConnectionFailed.
[vendors.closed]
base_url = "http://127.0.0.1:{closed_port}/v1"
max_attempts = 1
"""


@pytest.fixture(scope="package", params=BACKENDS)
def priced_server(
    request: pytest.FixtureRequest,
    fake_model_server: FakeModels,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"priced-{backend}")
    path = tmp / "providers.toml"
    path.write_text(providers_file(fake_model_server, free_port()))
    yield from start_engine_server(
        backend, tmp, fake_model_server, YARDSTICK_PROVIDERS_FILE=str(path)
    )


@pytest.fixture
def priced_client(priced_server: Server, fake_models: FakeModels) -> SGPClient:
    """The 0.7.0 client on the priced server; the fake model server is reset first."""
    return make_client(priced_server)
