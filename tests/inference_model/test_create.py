"""Registering launch and llmengine models."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import httpx
import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient, UnprocessableEntityError
from scale_gp_beta.types.inference_model import (
    VendorConfigurationLaunchVendorConfiguration,
    VendorConfigurationLlmEngineVendorConfiguration,
)

from tests.fixtures.server import ACCOUNT_A, Server
from tests.inference_model.helpers import (
    counting_client,
    error_locs,
    launch_config,
    llmengine_config,
    make_launch,
    make_llmengine,
    raw_model,
    unique,
)


def test_launch_model_round_trip(client: SGPClient) -> None:
    name = unique()
    created = client.models.create(
        name=name,
        vendor_configuration=launch_config(),  # type: ignore[arg-type]
        model_type="generic",
        model_vendor="launch",
        model_metadata={"owner": "team-a"},
    )
    assert created.object == "model"
    assert (created.name, created.type, created.vendor) == (name, "generic", "launch")
    assert created.status == "ready"
    assert created.metadata == {"owner": "team-a"}
    assert created.created_by_user_id
    assert isinstance(created.vendor_configuration, VendorConfigurationLaunchVendorConfiguration)
    assert created.vendor_configuration.image.command == ["python", "serve.py"]
    assert created.vendor_configuration.infra.gpu_type == "nvidia-ampere-a10"

    fetched = client.models.retrieve(created.id)
    assert fetched.model_dump() == created.model_dump()
    raw = raw_model(client, created.id)
    assert raw["model_type"] == "generic"
    assert raw["model_vendor"] == "launch"
    assert raw["model_metadata"] == {"owner": "team-a"}
    assert raw["vendor_configuration"] == launch_config()
    assert raw["created_at"].endswith("Z")


def test_llmengine_model_keeps_extra_configuration_keys(client: SGPClient) -> None:
    created = client.models.create(
        name=unique(),
        vendor_configuration=llmengine_config(custom_flag=True),
        model_vendor="llmengine",
    )
    assert (created.type, created.vendor, created.status) == (
        "chat_completion",
        "llmengine",
        "ready",
    )
    assert isinstance(created.vendor_configuration, VendorConfigurationLlmEngineVendorConfiguration)
    assert created.vendor_configuration.model == "llama-3-8b"
    assert raw_model(client, created.id)["vendor_configuration"] == llmengine_config(
        custom_flag=True
    )
    assert raw_model(client, created.id)["model_metadata"] == {}


@pytest.mark.parametrize(
    ("configuration", "vendor", "model_type"),
    [
        (launch_config(), "launch", "generic"),
        (llmengine_config(), "llmengine", "chat_completion"),
    ],
)
def test_vendor_and_type_follow_the_configuration_shape(
    client: SGPClient, configuration: dict[str, Any], vendor: str, model_type: str
) -> None:
    created = client.models.create(name=unique(), vendor_configuration=configuration)  # type: ignore[arg-type]
    assert (created.vendor, created.type) == (vendor, model_type)


def test_same_name_may_be_used_by_each_vendor(client: SGPClient) -> None:
    name = unique()
    launch = make_launch(client, name)
    llm = make_llmengine(client, name)
    assert launch.id != llm.id
    assert {m.vendor for m in client.models.list(name=name)} == {"launch", "llmengine"}


def test_name_conflict_is_409_and_not_retried(server: Server, client: SGPClient) -> None:
    name = unique()
    original = make_launch(client, name)
    with counting_client(server) as (counting, sent):
        with pytest.raises(ConflictError) as caught:
            counting.models.create(name=name, vendor_configuration=launch_config())  # type: ignore[arg-type]
        assert len(sent) == 1
    assert caught.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(ConflictError):
        client.models.create(name=name, vendor_configuration=launch_config(), on_conflict="error")  # type: ignore[arg-type]
    assert [m.id for m in client.models.list(name=name)] == [original.id]


def test_the_name_conflict_message_reads_well_for_every_vendor(client: SGPClient) -> None:
    body = {"name": unique(), "model_vendor": "openai", "model_type": "chat_completion"}
    name = body["name"]
    client.post("/v5/models", body=body, cast_to=object)
    with pytest.raises(ConflictError) as caught:
        client.post("/v5/models", body=body, cast_to=object)
    detail = cast(dict[str, Any], caught.value.body)["detail"]
    assert detail.startswith(f"a model named {name!r} already exists for vendor openai; ")


def test_on_conflict_update_updates_the_existing_model(client: SGPClient) -> None:
    name = unique()
    original = make_llmengine(client, name, model_metadata={"v": 1})
    updated = client.models.create(
        name=name,
        vendor_configuration={"model": "llama-3-70b"},
        model_metadata={"v": 2},
        on_conflict="update",
    )
    assert updated.id == original.id
    assert raw_model(client, original.id)["vendor_configuration"] == {"model": "llama-3-70b"}
    assert client.models.retrieve(original.id).metadata == {"v": 2}
    assert client.models.list(name=name).total == 1


def test_on_conflict_update_creates_when_the_name_is_free(client: SGPClient) -> None:
    created = client.models.create(
        name=unique(), vendor_configuration=llmengine_config(), on_conflict="update"
    )
    assert client.models.retrieve(created.id).name == created.name


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"vendor_configuration": launch_config()}, ["body", "name"]),
        ({"name": "x"}, ["body", "vendor_configuration"]),
        ({"name": "", "vendor_configuration": launch_config()}, ["body", "name"]),
        ({"name": "x", "vendor_configuration": {"gpus": 1}}, ["body", "vendor_configuration"]),
        ({"name": "x", "vendor_configuration": {}}, ["body", "vendor_configuration"]),
        (
            # A hosted (openai) model takes no configuration.
            {"name": "x", "vendor_configuration": launch_config(), "model_vendor": "openai"},
            ["body", "vendor_configuration"],
        ),
        (
            {"name": "x", "vendor_configuration": launch_config(), "model_vendor": "nope"},
            ["body", "model_vendor"],
        ),
        (
            {"name": "x", "vendor_configuration": launch_config(), "model_type": "chat_completion"},
            ["body", "model_type"],
        ),
        (
            {"name": "x", "vendor_configuration": llmengine_config(), "model_type": "generic"},
            ["body", "model_type"],
        ),
        (
            {"name": "x", "vendor_configuration": launch_config(), "on_conflict": "swap"},
            ["body", "on_conflict"],
        ),
        (
            {"name": "x", "vendor_configuration": {"model_image": launch_config()["model_image"]}},
            ["body", "vendor_configuration", "model_infra"],
        ),
        (
            {"name": "x", "vendor_configuration": launch_config(gpu_type="tpu-v9")},
            ["body", "vendor_configuration", "model_infra", "gpu_type"],
        ),
        (
            {"name": "x", "vendor_configuration": launch_config(gpus="two")},
            ["body", "vendor_configuration", "model_infra", "gpus"],
        ),
        (
            {
                "name": "x",
                "model_vendor": "launch",
                "vendor_configuration": {"model_image": {"registry": "r"}, "model_infra": {}},
            },
            ["body", "vendor_configuration", "model_image", "command"],
        ),
        (
            {"name": "x", "model_vendor": "llmengine", "vendor_configuration": {"num_shards": 2}},
            ["body", "vendor_configuration", "model"],
        ),
        (
            {"name": "x", "vendor_configuration": llmengine_config(num_shards="many")},
            ["body", "vendor_configuration", "num_shards"],
        ),
        # No model to call: listed as available, every call was a 404.
        (
            {"name": "x", "model_vendor": "llmengine", "vendor_configuration": {"model": ""}},
            ["body", "vendor_configuration", "model"],
        ),
        (
            {"name": "x", "model_vendor": "llmengine", "vendor_configuration": {"model": "  "}},
            ["body", "vendor_configuration", "model"],
        ),
    ],
)
def test_invalid_create_names_the_field(
    client: SGPClient, body: dict[str, Any], loc: list[str]
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.post("/v5/models", body=body, cast_to=object)
    assert loc in error_locs(caught.value)


def test_unknown_id_is_404(client: SGPClient) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    with pytest.raises(NotFoundError):
        client.models.retrieve(missing)
    with pytest.raises(NotFoundError):
        client.models.update(missing, model_metadata={"a": 1})
    with pytest.raises(NotFoundError):
        client.models.delete(missing)


def test_concurrent_creates_with_on_conflict_update_all_succeed(server: Server) -> None:
    """Each creates the model or updates the one another made first; on PostgreSQL the loser
    of the race for the name was a 409."""
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    barrier = threading.Barrier(12)

    def create(name: str) -> int:
        body = {
            "name": name,
            "model_type": "chat_completion",
            "model_vendor": "openai",
            "on_conflict": "update",
        }
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
            barrier.wait()
            return http.post("/v5/models", json=body).status_code

    names = [unique() for _ in range(4)]
    for name in names:
        with ThreadPoolExecutor(12) as pool:
            assert list(pool.map(create, [name] * 12)) == [200] * 12
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        for name in names:
            listed = http.get("/v5/models", params={"name": name}).json()["items"]
            assert [model["name"] for model in listed] == [name]
