"""Routing `model` strings and reading the vendor configuration: no I/O."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.provider.helpers import settings, write_toml
from yardstick.db.types import utcnow
from yardstick.models import InferenceModel
from yardstick.provider import (
    ModelNotFound,
    ModelNotReady,
    ModelRoute,
    ProviderNotConfigured,
    Providers,
    ProvidersFileError,
    wants_registered,
)


def registered(
    vendor: str, name: str, *, model: str = "llama-3-8b", ready: bool = True
) -> InferenceModel:
    """A registry row as the caller would have loaded it (never flushed: routing reads it only)."""
    configuration: dict[str, Any] = (
        {"model": model} if vendor == "llmengine" else {"model_image": {}, "model_infra": {}}
    )
    return InferenceModel(
        name=name,
        model_vendor=vendor,
        model_type="chat_completion" if vendor == "llmengine" else "generic",
        vendor_configuration=configuration,
        ready_at=utcnow() + (timedelta(seconds=-1) if ready else timedelta(hours=1)),
    )


def file_providers(tmp_path: Path, text: str, **overrides: object) -> Providers:
    return Providers(
        settings(providers_file=write_toml(tmp_path / "providers.toml", text), **overrides)
    )


def test_vendor_slash_name_routes_to_the_vendor_with_the_rest_as_upstream_model() -> None:
    providers = Providers(settings(openai_api_key="sk"))
    assert providers.route("openai/gpt-4o") == ModelRoute("openai/gpt-4o", "openai", "gpt-4o")
    nested = providers.route("openai/ft:gpt-4o/org/x")
    assert (nested.vendor, nested.upstream_model) == ("openai", "ft:gpt-4o/org/x")
    assert providers.vendors["openai"].base_url == "https://api.openai.com/v1"
    providers.check("openai/gpt-4o")


def test_openai_needs_a_key_or_a_base_url() -> None:
    with pytest.raises(ProviderNotConfigured) as caught:
        Providers(settings()).route("openai/gpt-4o")
    assert caught.value.vendor == "openai" and "OPENAI_API_KEY" in caught.value.message
    keyless = Providers(settings(openai_base_url="http://127.0.0.1:9/v1"))
    assert keyless.route("openai/m").vendor == "openai"
    assert "authorization" not in keyless.vendors["openai"].request_headers()


def test_anthropic_uses_its_openai_compatible_endpoint() -> None:
    with pytest.raises(ProviderNotConfigured, match="ANTHROPIC_API_KEY"):
        Providers(settings()).check("anthropic/claude-sonnet-4-5")
    providers = Providers(settings(anthropic_api_key="sk-ant"))
    config = providers.vendors["anthropic"]
    assert config.base_url == "https://api.anthropic.com/v1"
    assert config.request_headers()["authorization"] == "Bearer sk-ant"


def test_unknown_vendors_and_bare_names_are_not_found() -> None:
    providers = Providers(settings(openai_api_key="sk"))
    for model in ("gpt-4o", "nosuchvendor/x", "openai/", "/gpt-4o"):
        with pytest.raises(ModelNotFound) as caught:
            providers.route(model)
        assert caught.value.type == "ModelNotFound" and caught.value.status_code is None
    with pytest.raises(ModelNotFound, match="unknown vendor 'nosuchvendor'"):
        providers.check("nosuchvendor/x")


def test_an_enum_vendor_without_configuration_names_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ProviderNotConfigured) as caught:
        Providers(settings()).route("cohere/command-r")
    assert caught.value.type == "ProviderNotConfigured"
    assert (
        "[vendors.cohere]" in caught.value.message
        and "YARDSTICK_PROVIDERS_FILE" in caught.value.message
    )


def test_registered_models_route_to_the_registry_vendors(tmp_path: Path) -> None:
    providers = file_providers(
        tmp_path,
        '[vendors.llmengine]\nbase_url = "http://llm.internal/v1"\n'
        '[vendors.launch]\nbase_url = "http://launch.internal/v1"\n',
    )
    chat = providers.route("my-llama", registered("llmengine", "my-llama", model="meta/llama-3"))
    assert chat == ModelRoute("my-llama", "llmengine", "meta/llama-3", registered=True)
    launch = providers.route("my-image", registered("launch", "my-image"))
    assert (launch.vendor, launch.upstream_model) == ("launch", "my-image")
    with pytest.raises(ModelNotReady):
        providers.check("later", registered("llmengine", "later", ready=False))


def test_a_registered_model_is_held_to_its_vendors_listed_models(tmp_path: Path) -> None:
    """A tenant registering a model named after an unlisted one (or an llmengine name pointing
    at one) had it served, on the operator's key, past the providers file's `models`."""
    providers = file_providers(
        tmp_path,
        '[vendors.openai]\nbase_url = "http://x/v1"\nmodels = ["fake-chat"]\n'
        '[vendors.llmengine]\nbase_url = "http://y/v1"\nmodels = ["fake-instruct"]\n',
    )
    hosted = registered("openai", "gpt-4o")
    hosted.model_type = "chat_completion"
    for name, row in (
        ("gpt-4o", hosted),
        ("sneaky", registered("llmengine", "sneaky", model="gpt-4o")),
        ("fake-instruct", registered("llmengine", "fake-instruct", model="gpt-4o-mini")),
    ):
        with pytest.raises(ModelNotFound, match="serves only the models the providers file"):
            providers.route(name, row)
    listed = providers.route("mine", registered("llmengine", "mine", model="fake-instruct"))
    assert listed.upstream_model == "fake-instruct"


def test_a_registered_model_needs_its_vendor_configured() -> None:
    with pytest.raises(ProviderNotConfigured) as caught:
        Providers(settings()).route("mine", registered("llmengine", "mine"))
    assert caught.value.vendor == "llmengine"


def test_which_names_the_caller_looks_up_in_the_registry() -> None:
    assert wants_registered("my-model")
    assert wants_registered("llmengine/my-model") and wants_registered("launch/x")
    assert not wants_registered("openai/gpt-4o")


def test_providers_file_maps_any_vendor_with_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YS_TEST_VENDOR_KEY", "sk-from-env")
    providers = file_providers(
        tmp_path,
        """
[vendors.fireworks_ai]
base_url = "https://api.fireworks.ai/inference/v1"
api_key_env = "YS_TEST_VENDOR_KEY"
concurrency = 7
rate_limit = 2.5
timeout_seconds = 30
max_attempts = 2
headers = { "X-Team" = "evals" }

[vendors.my_vllm]
base_url = "http://127.0.0.1:8001/v1"
models = ["a", "b"]
""",
        model_concurrency=11,
    )
    fireworks = providers.vendors["fireworks_ai"]
    assert (fireworks.api_key, fireworks.concurrency, fireworks.rate_limit) == (
        "sk-from-env",
        7,
        2.5,
    )
    assert (fireworks.timeout_seconds, fireworks.max_attempts) == (30.0, 2)
    assert fireworks.request_headers()["x-team"] == "evals"
    custom = providers.vendors["my_vllm"]
    assert (custom.concurrency, custom.models, custom.api_key) == (11, ("a", "b"), None)
    assert providers.route("my_vllm/a").vendor == "my_vllm"


def test_the_file_overrides_the_environment_field_by_field(tmp_path: Path) -> None:
    providers = file_providers(
        tmp_path, "[vendors.openai]\nconcurrency = 3\n", openai_api_key="sk-env"
    )
    openai = providers.vendors["openai"]
    assert (openai.base_url, openai.api_key, openai.concurrency) == (
        "https://api.openai.com/v1",
        "sk-env",
        3,
    )


@pytest.mark.parametrize(
    "text",
    [
        "[vendors.x]\nbase_url = 'ftp://nope'\n",
        "[vendors.x]\nbase_url = 'http://h/v1'\nconcurency = 3\n",
        "[vendors.x]\nbase_url = 'http://h/v1'\nconcurrency = 0\n",
        "[vendors.x]\nbase_url = 'http://h/v1'\napi_key_env = 'YS_TEST_SURELY_UNSET'\n",
        "[providers.x]\nbase_url = 'http://h/v1'\n",
        "not toml at all [",
    ],
)
def test_a_broken_providers_file_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ProvidersFileError):
        file_providers(tmp_path, text)


def test_a_missing_providers_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProvidersFileError, match="cannot read"):
        Providers(settings(providers_file=tmp_path / "absent.toml"))
