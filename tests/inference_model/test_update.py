"""The three PATCH variants: metadata, partial vendor configuration, rename / swap."""

from typing import Any

import pytest
from scale_gp_beta import ConflictError, SGPClient, UnprocessableEntityError

from tests.fixtures.server import Server
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


def test_metadata_is_replaced(client: SGPClient) -> None:
    model = make_launch(client, model_metadata={"a": 1, "b": 2})
    updated = client.models.update(model.id, model_metadata={"c": 3})
    assert updated.metadata == {"c": 3}
    assert client.models.retrieve(model.id).metadata == {"c": 3}
    assert raw_model(client, model.id)["vendor_configuration"] == launch_config()


def test_partial_launch_configuration_is_merged(client: SGPClient) -> None:
    model = make_launch(client)
    updated = client.models.update(
        model.id,
        vendor_configuration={
            "model_infra": {"gpus": 4, "gpu_type": "nvidia-hopper-h100"},
            "model_image": {"tag": "v2"},
        },
        model_metadata={"note": "bigger"},
    )
    assert updated.status == "ready"
    expected = launch_config(gpus=4, gpu_type="nvidia-hopper-h100")
    expected["model_image"]["tag"] = "v2"
    assert raw_model(client, model.id)["vendor_configuration"] == expected
    assert updated.metadata == {"note": "bigger"}


def test_partial_llmengine_configuration_is_merged(client: SGPClient) -> None:
    model = make_llmengine(client)
    client.models.update(model.id, vendor_configuration={"model": "llama-3-70b", "num_shards": 4})
    assert raw_model(client, model.id)["vendor_configuration"] == llmengine_config(
        model="llama-3-70b", num_shards=4
    )


@pytest.mark.parametrize(
    ("maker", "patch", "loc"),
    [
        (
            make_llmengine,
            {"model_infra": {"gpus": 2}},
            ["body", "vendor_configuration", "model_infra"],
        ),
        (
            make_llmengine,
            {"model_image": {"tag": "x"}},
            ["body", "vendor_configuration", "model_image"],
        ),
        (make_launch, {"model": "llama"}, ["body", "vendor_configuration", "model"]),
        (
            make_launch,
            {"model_infra": {"gpus": "many"}},
            ["body", "vendor_configuration", "model_infra", "gpus"],
        ),
        (
            make_launch,
            {"model_image": {"command": None}},
            ["body", "vendor_configuration", "model_image", "command"],
        ),
        (make_llmengine, {"model": None}, ["body", "vendor_configuration", "model"]),
        (make_llmengine, {"model": ""}, ["body", "vendor_configuration", "model"]),
    ],
)
def test_configuration_patch_must_fit_the_vendor(
    client: SGPClient, maker: Any, patch: dict[str, Any], loc: list[str]
) -> None:
    model = maker(client)
    before = raw_model(client, model.id)
    with pytest.raises(UnprocessableEntityError) as caught:
        client.models.update(model.id, vendor_configuration=patch)
    assert loc in error_locs(caught.value)
    assert raw_model(client, model.id) == before


def test_rename(client: SGPClient) -> None:
    model = make_launch(client)
    new_name = unique("renamed")
    assert client.models.update(model.id, name=new_name).name == new_name
    assert client.models.retrieve(model.id).name == new_name
    assert client.models.update(model.id, name=new_name).name == new_name  # same name: no-op


def test_rename_onto_a_taken_name_is_409_and_not_retried(server: Server, client: SGPClient) -> None:
    first, second = make_launch(client), make_launch(client)
    with counting_client(server) as (counting, sent):
        with pytest.raises(ConflictError) as caught:
            counting.models.update(first.id, name=second.name)
        assert len(sent) == 1
    assert caught.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(ConflictError):
        client.models.update(first.id, name=second.name, on_conflict="error")
    assert client.models.retrieve(first.id).name == first.name


def test_swap_exchanges_names(client: SGPClient) -> None:
    first, second = make_launch(client), make_launch(client)
    swapped = client.models.update(first.id, name=second.name, on_conflict="swap")
    assert swapped.name == second.name
    assert client.models.retrieve(first.id).name == second.name
    assert client.models.retrieve(second.id).name == first.name
    # and back again
    client.models.update(first.id, name=first.name, on_conflict="swap")
    assert client.models.retrieve(first.id).name == first.name
    assert client.models.retrieve(second.id).name == second.name


def test_swap_with_a_free_name_is_a_plain_rename(client: SGPClient) -> None:
    model = make_llmengine(client)
    new_name = unique()
    assert client.models.update(model.id, name=new_name, on_conflict="swap").name == new_name


def test_names_are_per_vendor_when_renaming(client: SGPClient) -> None:
    launch, llm = make_launch(client), make_llmengine(client)
    assert client.models.update(llm.id, name=launch.name).name == launch.name
    assert client.models.retrieve(launch.id).name == launch.name


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x", "model_metadata": {"a": 1}}, ["body", "name"]),
        ({"name": "x", "vendor_configuration": {"model": "m"}}, ["body", "name"]),
        ({"on_conflict": "swap"}, ["body", "on_conflict"]),
        ({"name": "x", "on_conflict": "update"}, ["body", "on_conflict"]),
        ({"name": ""}, ["body", "name"]),
        ({"model_metadata": [1]}, ["body", "model_metadata"]),
    ],
)
def test_invalid_patch_names_the_field(
    client: SGPClient, body: dict[str, Any], loc: list[str]
) -> None:
    model = make_llmengine(client)
    with pytest.raises(UnprocessableEntityError) as caught:
        client.patch(f"/v5/models/{model.id}", body=body, cast_to=object)
    assert loc in error_locs(caught.value)


def test_empty_patch_changes_nothing(client: SGPClient) -> None:
    model = make_llmengine(client, model_metadata={"k": "v"})
    before = raw_model(client, model.id)
    client.patch(f"/v5/models/{model.id}", body={}, cast_to=object)
    assert raw_model(client, model.id) == before
