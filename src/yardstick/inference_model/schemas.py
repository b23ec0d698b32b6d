"""Model registry bodies and vendor configurations.

Wire names are `model_type`, `model_vendor` and `model_metadata` (the SDK's Python attributes
are `type`, `vendor` and `metadata`).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.kit.schemas import Name, Vendor
from yardstick.models import InferenceModel

ModelType = Literal["generic", "completion", "chat_completion"]
GpuType = Literal[
    "nvidia-tesla-t4",
    "nvidia-ampere-a10",
    "nvidia-ampere-a100",
    "nvidia-ampere-a100e",
    "nvidia-hopper-h100",
    "nvidia-hopper-h100-1g20gb",
    "nvidia-hopper-h100-3g40gb",
]


class _Body(BaseModel):
    # `model_*` fields are wire names here, not pydantic's namespace.
    model_config = ConfigDict(protected_namespaces=())


class ModelCreate(_Body):
    name: Name = Field(description="Unique per vendor within the account")
    vendor_configuration: dict[str, Any] | None = Field(
        default=None,
        description="A launch ({model_image, model_infra}) or llmengine ({model, …}) "
        "configuration; absent for a hosted model of another vendor",
    )
    model_type: ModelType | None = None
    model_vendor: Vendor | None = None
    model_metadata: dict[str, Any] | None = None
    on_conflict: Literal["error", "update"] | None = Field(
        default=None, description="When the name is taken: 409 (`error`, default) or `update` it"
    )


class ModelUpdate(_Body):
    """One of: `{model_metadata}`; `{vendor_configuration, model_metadata?}` (a partial config,
    merged, which redeploys); `{name, on_conflict?}` (rename, or `swap` names)."""

    model_metadata: dict[str, Any] | None = None
    vendor_configuration: dict[str, Any] | None = None
    name: Name | None = None
    on_conflict: Literal["error", "swap"] | None = None


class _Config(BaseModel):
    model_config = ConfigDict(extra="ignore", protected_namespaces=())


class LaunchModelImage(_Config):
    command: list[str]
    registry: str
    repository: str
    tag: str
    env_vars: dict[str, Any] | None = None
    healthcheck_route: str | None = None
    predict_route: str | None = None
    readiness_delay: StrictInt | None = None
    request_schema: dict[str, Any] | None = None
    response_schema: dict[str, Any] | None = None
    streaming_command: list[str] | None = None
    streaming_predict_route: str | None = None


class LaunchModelInfra(_Config):
    cpus: StrictInt | str | None = None
    endpoint_type: Literal["async", "sync", "streaming"] | None = None
    gpu_type: GpuType | None = None
    gpus: StrictInt | None = None
    high_priority: bool | None = None
    labels: dict[str, str] | None = None
    max_workers: StrictInt | None = None
    memory: str | None = None
    min_workers: StrictInt | None = None
    per_worker: StrictInt | None = None
    public_inference: bool | None = None
    storage: str | None = None


class LaunchVendorConfiguration(_Config):
    model_image: LaunchModelImage
    model_infra: LaunchModelInfra


class LlmEngineVendorConfiguration(_Config):
    # Extra keys are part of this configuration in the SDK, so they are kept.
    model_config = ConfigDict(extra="allow", protected_namespaces=())

    # What calls send upstream: an empty one made a model listed as available that no call
    # could reach.
    model: Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
    checkpoint_path: str | None = None
    cpus: StrictInt | None = None
    default_callback_url: str | None = None
    endpoint_type: str | None = None
    gpu_type: str | None = None
    gpus: StrictInt | None = None
    high_priority: bool | None = None
    inference_framework: str | None = None
    inference_framework_image_tag: str | None = None
    labels: dict[str, str] | None = None
    max_workers: StrictInt | None = None
    memory: str | None = None
    min_workers: StrictInt | None = None
    nodes_per_worker: StrictInt | None = None
    num_shards: StrictInt | None = None
    per_worker: StrictInt | None = None
    post_inference_hooks: list[str] | None = None
    public_inference: bool | None = None
    quantize: str | None = None
    source: str | None = None
    storage: str | None = None


class VendorSpec(BaseModel):
    """What registering a model of one vendor means: its configuration and its one model type."""

    configuration: type[_Config]
    model_type: ModelType
    # Top-level configuration keys that identify this vendor's shape.
    shape_keys: frozenset[str]


VENDORS: dict[str, VendorSpec] = {
    "launch": VendorSpec(
        configuration=LaunchVendorConfiguration,
        model_type="generic",
        shape_keys=frozenset({"model_image", "model_infra"}),
    ),
    "llmengine": VendorSpec(
        configuration=LlmEngineVendorConfiguration,
        model_type="chat_completion",
        shape_keys=frozenset({"model"}),
    ),
}


class InferenceModelOut(_Body):
    object: str = "model"
    id: str
    name: str
    model_type: ModelType
    model_vendor: Vendor
    model_metadata: dict[str, Any]
    vendor_configuration: dict[str, Any] | None
    status: Literal["failed", "ready", "deploying", "deployment_timeout"]
    status_reason: str | None
    model_availability: Literal["unknown", "available", "unavailable"]
    created_at: str
    created_by_user_id: str
    created_by_identity_type: Literal["user", "service_account"]
    created_by: Identity


class InferenceModelList(ListOut[InferenceModelOut]):
    pass


def model_json(model: InferenceModel) -> dict[str, Any]:
    return {
        "object": "model",
        "id": model.id,
        "name": model.name,
        "model_type": model.model_type,
        "model_vendor": model.model_vendor,
        "model_metadata": model.model_metadata,
        # A hosted model has none: null, since `{}` reads as neither of the clients' variants.
        "vendor_configuration": model.vendor_configuration or None,
        "status": model.status,
        "status_reason": None,
        "model_availability": "available" if model.status == "ready" else "unavailable",
        "created_at": format_ts(model.created_at),
        "created_by_user_id": model.created_by_user_id,
        "created_by_identity_type": "user",
        "created_by": identity_json(model.created_by_user_id),
    }
