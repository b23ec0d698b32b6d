"""Which model a call reaches, and what the caller sees when it cannot be made or keeps failing."""

import asyncio
import time
from typing import Any

import httpx
import pytest
from scale_gp_beta import InternalServerError, NotFoundError, SGPClient
from scale_gp_beta.types.chat import ChatCompletion

from tests.conftest import make_client
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server
from tests.inference.conftest import CONCURRENCY, MAX_ATTEMPTS
from tests.inference_model.helpers import counting_client, launch_config, unique

HELLO: list[dict[str, object]] = [{"role": "user", "content": "hi"}]


def test_unconfigured_vendor_is_404_naming_what_to_set(llm: SGPClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        llm.chat.completions.create(model="gemini/gemini-2.0-flash", messages=HELLO)
    detail = caught.value.body["detail"]  # type: ignore[index]
    assert "'gemini' is not configured" in detail and "[vendors.gemini]" in detail
    assert "YARDSTICK_PROVIDERS_FILE" in detail


def test_unknown_vendor_or_model_is_404(llm: SGPClient, fake_models: FakeModels) -> None:
    with pytest.raises(NotFoundError, match="unknown vendor 'acme'"):
        llm.chat.completions.create(model="acme/x", messages=HELLO)
    with pytest.raises(NotFoundError, match="unknown model"):
        llm.completions.create(model=unique("nothing-registered"), prompt="x")
    with pytest.raises(NotFoundError):
        llm.inference.create(model="cohere", args={"prompt": "x"})
    assert fake_models.stats()["total"] == 0


def test_a_registered_llmengine_model_is_called_by_its_name(
    llm: SGPClient, fake_models: FakeModels
) -> None:
    name = unique("llama")
    llm.models.create(name=name, vendor_configuration={"model": "meta/llama-3-8b"})
    answer = llm.chat.completions.create(model=name, messages=HELLO)
    assert isinstance(answer, ChatCompletion) and answer.choices[0].message.content == "echo: hi"
    llm.inference.create(model=f"llmengine/{name}", args={"messages": HELLO})
    assert [r["body"]["model"] for r in fake_models.requests()] == ["meta/llama-3-8b"] * 2


def test_a_registered_launch_model_is_called_under_its_registered_name(
    llm: SGPClient, fake_models: FakeModels
) -> None:
    name = unique("launch")
    llm.models.create(name=name, vendor_configuration=launch_config())
    response = llm.inference.create(model=name, args={"prompt": "ping"})
    assert response.response["choices"][0]["text"] == "echo: ping"  # type: ignore[index]
    assert fake_models.last_body()["model"] == name


def test_llmengine_slash_name_without_a_registered_model_goes_upstream_as_is(
    llm: SGPClient, fake_models: FakeModels
) -> None:
    llm.chat.completions.create(model="llmengine/served-directly", messages=HELLO)
    assert fake_models.last_body()["model"] == "served-directly"


def test_registered_models_are_per_account(llm_server: Server, llm: SGPClient) -> None:
    name = unique("mine")
    llm.models.create(name=name, vendor_configuration={"model": "x"})
    with pytest.raises(NotFoundError):
        make_client(llm_server, ACCOUNT_B).chat.completions.create(model=name, messages=HELLO)


@pytest.mark.parametrize("status", [400, 404, 422])
def test_upstream_4xx_keeps_its_status_and_message(
    llm_http: httpx.Client, fake_models: FakeModels, status: int
) -> None:
    fake_models.control(fail_next=[{"status": status, "message": "max_tokens is too large"}])
    response = llm_http.post(
        "/v5/chat/completions", json={"model": "openai/fake-chat", "messages": HELLO}
    )
    assert response.status_code == status
    assert "max_tokens is too large" in response.json()["detail"]
    assert fake_models.stats()["total"] == 1


def test_upstream_refusing_our_key_is_a_502_not_a_401(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 401, "message": "Incorrect API key provided"}])
    response = llm_http.post("/v5/completions", json={"model": "openai/fake-chat", "prompt": "x"})
    assert response.status_code == 502 and response.headers["x-should-retry"] == "false"
    assert "credentials" in response.json()["detail"]


def test_a_429_then_success_is_one_200(llm: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(
        fail_next=[{"status": 429, "retry_after_ms": 20}, {"status": 500, "retry_after_ms": 5}]
    )
    answer = llm.chat.completions.create(model="openai/fake-chat", messages=HELLO)
    assert isinstance(answer, ChatCompletion) and answer.choices[0].message.content == "echo: hi"
    assert fake_models.stats()["total"] == 3


def test_exhausted_retries_are_502_and_the_client_does_not_retry_them(
    llm_server: Server, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 500, "retry_after_ms": 1}] * MAX_ATTEMPTS)
    with (
        counting_client(llm_server) as (client, sent),
        pytest.raises(InternalServerError) as caught,
    ):
        client.chat.completions.create(model="openai/fake-chat", messages=HELLO)
    assert len(sent) == 1
    assert caught.value.status_code == 502
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert f"after {MAX_ATTEMPTS} attempts" in caught.value.body["detail"]  # type: ignore[index]
    assert fake_models.stats()["total"] == MAX_ATTEMPTS


def test_rate_limited_on_every_attempt_is_503(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 429, "retry_after_ms": 1}] * MAX_ATTEMPTS)
    response = llm_http.post(
        "/v5/inference", json={"model": "openai/fake-chat", "args": {"prompt": "x"}}
    )
    assert response.status_code == 503 and response.headers["x-should-retry"] == "false"
    assert response.json()["detail"].startswith("RateLimited:")


def test_inference_configuration_bounds_timeout_and_retries(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(hang_next=1)
    body = {
        "model": "openai/fake-chat",
        "args": {"messages": HELLO},
        "inference_configuration": {"timeout_seconds": 1, "num_retries": 0},
    }
    response = llm_http.post("/v5/inference", json=body)
    assert response.status_code == 502 and response.headers["x-should-retry"] == "false"
    assert response.json()["detail"].startswith("Timeout:")
    fake_models.control(fail_next=[{"status": 503, "retry_after_ms": 1}])
    assert llm_http.post("/v5/inference", json=body).status_code == 502
    body["inference_configuration"] = {"num_retries": 1}
    fake_models.control(fail_next=[{"status": 503, "retry_after_ms": 1}])
    assert llm_http.post("/v5/inference", json=body).status_code == 200
    # At most 100 attempts of an hour each: a call holds a vendor slot every account shares.
    for field, too_much in (
        ("num_retries", 100),
        ("timeout_seconds", 3601),
        ("num_retries", 2**63),
    ):
        body["inference_configuration"] = {field: too_much}
        refused = llm_http.post("/v5/inference", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "inference_configuration", field]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v5/inference", {"model": "openai/fake-chat", "args": {"messages": HELLO}}),
        ("/v5/chat/completions", {"model": "openai/fake-chat", "messages": HELLO}),
        ("/v5/completions", {"model": "openai/fake-instruct", "prompt": "x"}),
        # Streamed, hung up before the first chunk: the response has not begun.
        ("/v5/chat/completions", {"model": "openai/fake-chat", "messages": HELLO, "stream": True}),
        ("/v5/completions", {"model": "openai/fake-instruct", "prompt": "x", "stream": True}),
        ("/v5/responses", {"model": "openai/fake-chat", "input": "x"}),
        ("/v5/responses", {"model": "openai/fake-chat", "input": "x", "stream": True}),
    ],
)
def test_a_call_whose_client_hangs_up_is_cancelled(
    llm_server: Server, fake_models: FakeModels, path: str, body: dict[str, Any]
) -> None:
    """It held its vendor's slot, which every account shares, until its timeout and retries
    ran out: up to 100 hours of `inference_configuration`."""
    fake_models.control(hang_next=1)
    headers = {"x-api-key": llm_server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{llm_server.base_url}{path}", json=body, headers=headers, timeout=1)
    deadline = time.monotonic() + 5
    while fake_models.stats()["in_flight"]:
        assert time.monotonic() < deadline, "the upstream call outlived its client"
        time.sleep(0.05)


def test_calls_in_flight_never_exceed_the_concurrency(
    llm_server: Server, fake_models: FakeModels
) -> None:
    fake_models.control(latency_ms=100)
    headers = {"x-api-key": llm_server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}

    async def burst() -> list[int]:
        async with httpx.AsyncClient(
            base_url=llm_server.base_url, headers=headers, timeout=60
        ) as client:

            async def one(i: int) -> int:
                body: dict[str, Any] = {
                    "model": "openai/fake-chat",
                    "messages": [{"role": "user", "content": str(i)}],
                }
                if i % 3 == 0:
                    body["stream"] = True
                return (await client.post("/v5/chat/completions", json=body)).status_code

            return await asyncio.gather(*(one(i) for i in range(40)))

    assert asyncio.run(burst()) == [200] * 40
    stats = fake_models.stats()
    assert stats["total"] == 40
    assert stats["max_in_flight"] == CONCURRENCY
