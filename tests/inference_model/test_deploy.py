"""The status life cycle on a server whose deployments take a moment."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scale_gp_beta import ConflictError, SGPClient

from tests.conftest import make_client
from tests.fixtures.server import Server, run_server
from tests.inference_model.helpers import counting_client, launch_config, llmengine_config, unique

DEPLOY_SECONDS = 1.5


@pytest.fixture(scope="module")
def slow_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp(f"slow-deploy-{server.backend}")
    yield from run_server(server.backend, tmp, YARDSTICK_MODEL_DEPLOY_SECONDS=str(DEPLOY_SECONDS))


@pytest.fixture
def slow(slow_server: Server) -> SGPClient:
    return make_client(slow_server)


def wait_ready(client: SGPClient, model_id: str) -> None:
    deadline = time.monotonic() + DEPLOY_SECONDS + 10
    while client.models.retrieve(model_id).status != "ready":
        assert time.monotonic() < deadline, "model never became ready"
        time.sleep(0.1)


def test_create_deploys_then_becomes_ready(slow: SGPClient) -> None:
    model = slow.models.create(name=unique(), vendor_configuration=llmengine_config())
    assert model.status == "deploying"
    assert slow.models.retrieve(model.id).status == "deploying"
    assert [m.status for m in slow.models.list(name=model.name)] == ["deploying"]
    wait_ready(slow, model.id)


def test_deploying_model_cannot_be_changed(slow_server: Server, slow: SGPClient) -> None:
    model = slow.models.create(name=unique(), vendor_configuration=launch_config())
    with counting_client(slow_server) as (counting, sent):
        with pytest.raises(ConflictError) as caught:
            counting.models.update(model.id, model_metadata={"a": 1})
        assert len(sent) == 1
    assert caught.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(ConflictError):
        slow.models.update(model.id, name=unique())
    with pytest.raises(ConflictError):
        slow.models.create(
            name=model.name,
            vendor_configuration=launch_config(),
            on_conflict="update",  # type: ignore[arg-type]
        )
    wait_ready(slow, model.id)
    assert slow.models.update(model.id, model_metadata={"a": 1}).metadata == {"a": 1}


def test_configuration_patch_redeploys_but_metadata_does_not(slow: SGPClient) -> None:
    model = slow.models.create(name=unique(), vendor_configuration=llmengine_config())
    wait_ready(slow, model.id)
    assert slow.models.update(model.id, model_metadata={"x": 1}).status == "ready"
    assert (
        slow.models.update(model.id, vendor_configuration={"num_shards": 2}).status == "deploying"
    )
    wait_ready(slow, model.id)
    updated = slow.models.create(
        name=model.name, vendor_configuration=llmengine_config(), on_conflict="update"
    )
    assert updated.status == "deploying"


def test_swap_with_a_deploying_model_is_409(slow: SGPClient) -> None:
    ready = slow.models.create(name=unique(), vendor_configuration=llmengine_config())
    wait_ready(slow, ready.id)
    deploying = slow.models.create(name=unique(), vendor_configuration=llmengine_config())
    with pytest.raises(ConflictError):
        slow.models.update(ready.id, name=deploying.name, on_conflict="swap")
    assert slow.models.retrieve(ready.id).name == ready.name


def test_a_deploying_model_cannot_be_deleted_until_ready(slow: SGPClient) -> None:
    model = slow.models.create(name=unique(), vendor_configuration=llmengine_config())
    with pytest.raises(ConflictError) as caught:
        slow.models.delete(model.id)
    assert caught.value.response.headers["x-should-retry"] == "false"
    wait_ready(slow, model.id)
    assert slow.models.delete(model.id).deleted is True
