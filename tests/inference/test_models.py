"""GET /v5/chat/completions/models: configured vendors' models and the registered ones."""

from typing import Any

import httpx
from scale_gp_beta import SGPClient

from tests.fixtures.fake_model_server import FakeModels
from tests.inference_model.helpers import launch_config, unique


def keys(page: dict[str, Any]) -> list[str]:
    return [f"{m['model_vendor']}/{m['model_name']}" for m in page["items"]]


def test_lists_each_configured_vendor_and_tolerates_one_that_is_down(
    llm: SGPClient, llm_http: httpx.Client
) -> None:
    listed = llm.chat.completions.models(limit=1000)
    found = {(m.vendor, m.name, m.type) for m in listed.items}
    for vendor in ("openai", "llmengine", "launch"):  # all three ask the fake server's /models
        assert (vendor, "fake-chat", "chat_completion") in found
    assert ("xai", "grok-static", "chat_completion") in found  # from the providers file's list
    assert not any(vendor == "cohere" for vendor, _, _ in found)  # down: listed as nothing
    page = llm_http.get("/v5/chat/completions/models").json()
    assert page["object"] == "list" and page["has_more"] is False
    assert page["total"] == len(page["items"]) and keys(page) == sorted(keys(page))


def test_registered_models_are_listed_with_their_type(
    llm: SGPClient, llm_http: httpx.Client
) -> None:
    chat, image = unique("chat"), unique("image")
    llm.models.create(name=chat, vendor_configuration={"model": "fake-chat"})
    llm.models.create(name=image, vendor_configuration=launch_config())
    items = llm_http.get("/v5/chat/completions/models", params={"limit": 1000}).json()["items"]
    by_name = {item["model_name"]: item for item in items}
    assert {key: by_name[chat][key] for key in ("model_type", "model_vendor")} == {
        "model_type": "chat_completion",
        "model_vendor": "llmengine",
    }
    assert {key: by_name[image][key] for key in ("model_type", "model_vendor")} == {
        "model_type": "generic",
        "model_vendor": "launch",
    }
    assert {by_name[chat]["model_availability"], by_name[image]["model_availability"]} <= {
        "available",
        "unavailable",
    }
    other_account = llm_http.get(
        "/v5/chat/completions/models",
        params={"limit": 1000},
        headers={"x-selected-account-id": "acct-b"},
    )
    assert other_account.status_code == 403


def test_filter_by_vendor(llm: SGPClient) -> None:
    listed = llm.chat.completions.models(model_vendor="openai")
    assert sorted((m.vendor, m.name) for m in listed.items) == [
        ("openai", "fake-chat"),
        ("openai", "fake-instruct"),
    ]
    assert llm.chat.completions.models(model_vendor="gemini").items == []


def test_pages_by_vendor_slash_name_cursor(llm_http: httpx.Client) -> None:
    everything = keys(llm_http.get("/v5/chat/completions/models", params={"limit": 1000}).json())
    assert len(everything) >= 6
    first = llm_http.get("/v5/chat/completions/models", params={"limit": 2}).json()
    assert keys(first) == everything[:2] and first["has_more"] is True
    assert first["total"] == len(everything) and first["limit"] == 2
    second = llm_http.get(
        "/v5/chat/completions/models", params={"limit": 2, "starting_after": everything[1]}
    ).json()
    assert keys(second) == everything[2:4]
    before = llm_http.get(
        "/v5/chat/completions/models", params={"limit": 2, "ending_before": everything[4]}
    ).json()
    assert keys(before) == everything[2:4] and before["has_more"] is True
    backwards = llm_http.get(
        "/v5/chat/completions/models", params={"sort_order": "desc", "limit": 1000}
    ).json()
    assert keys(backwards) == everything[::-1]
    last = llm_http.get(
        "/v5/chat/completions/models", params={"starting_after": everything[-1]}
    ).json()
    assert last["items"] == [] and last["has_more"] is False


def test_a_bad_limit_is_422(llm_http: httpx.Client, fake_models: FakeModels) -> None:
    assert llm_http.get("/v5/chat/completions/models", params={"limit": 0}).status_code == 422
