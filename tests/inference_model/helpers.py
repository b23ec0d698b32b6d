"""Factories for the model registry tests; every model gets a name unique to its test."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpx
from scale_gp_beta import APIStatusError, SGPClient
from scale_gp_beta.types import InferenceModel

from tests.conftest import make_client
from tests.fixtures.server import Server


def unique(prefix: str = "m") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def launch_config(**infra: Any) -> dict[str, Any]:
    return {
        "model_image": {
            "command": ["python", "serve.py"],
            "registry": "registry.example.com",
            "repository": "team/model",
            "tag": "v1",
            "predict_route": "/predict",
        },
        "model_infra": {
            "cpus": 2,
            "gpus": 1,
            "gpu_type": "nvidia-ampere-a10",
            "memory": "8Gi",
            **infra,
        },
    }


def llmengine_config(**extra: Any) -> dict[str, Any]:
    return {"model": "llama-3-8b", "num_shards": 1, "inference_framework": "vllm", **extra}


def make_launch(client: SGPClient, name: str | None = None, **kwargs: Any) -> InferenceModel:
    return client.models.create(
        name=name or unique("launch"),
        vendor_configuration=launch_config(),
        **kwargs,  # type: ignore[arg-type]
    )


def make_llmengine(client: SGPClient, name: str | None = None, **kwargs: Any) -> InferenceModel:
    return client.models.create(
        name=name or unique("llm"),
        vendor_configuration=llmengine_config(),
        **kwargs,  # type: ignore[arg-type]
    )


def raw_model(client: SGPClient, model_id: str) -> dict[str, Any]:
    return cast(
        dict[str, Any], client.models.with_raw_response.retrieve(model_id).http_response.json()
    )


def error_locs(error: APIStatusError) -> list[list[str | int]]:
    body = cast(dict[str, Any], error.body)
    return [entry["loc"] for entry in body["detail"]]


@contextmanager
def counting_client(server: Server) -> Iterator[tuple[SGPClient, list[httpx.Request]]]:
    """The official client with its default retries, recording every request it sends."""
    sent: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [sent.append]}) as http_client:
        yield make_client(server, http_client=http_client, max_retries=2), sent
