"""Model calls against the fake model server: retries, timeouts, limits, streams, listings."""

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import free_port
from tests.provider.helpers import HELLO, KEY, fake_providers, run, settings, write_toml
from yardstick.provider import (
    CallResult,
    ConnectionFailed,
    InvalidRequest,
    Providers,
    RateLimited,
    Timeout,
    UpstreamError,
    UpstreamRejected,
)
from yardstick.provider.client import upstream_message
from yardstick.provider.errors import quoted


def chat(providers: Providers, body: dict[str, Any] = HELLO, **kwargs: Any) -> CallResult:
    async def work(p: Providers) -> CallResult:
        return await p.chat_completion(p.route("openai/fake-chat"), body, **kwargs)

    return run(providers, work)


def failure(providers: Providers, **kwargs: Any) -> Any:
    """The ProviderError of one chat call that must fail."""
    with pytest.raises(Exception) as caught:
        chat(providers, **kwargs)
    return caught.value


def test_chat_completion_sends_the_upstream_model_and_key(fake_models: FakeModels) -> None:
    result = chat(
        fake_providers(fake_models), {**HELLO, "temperature": 0.2, "n": 2, "stream": False}
    )
    assert [c["message"]["content"] for c in result.response["choices"]] == [
        "echo: hello there"
    ] * 2
    assert result.response["usage"]["prompt_tokens"] == 2
    assert result.attempts == 1 and result.latency_ms > 0
    [sent] = fake_models.requests()
    assert sent["path"] == "/v1/chat/completions" and sent["authorization"] == f"Bearer {KEY}"
    assert sent["body"] == {**HELLO, "model": "fake-chat", "temperature": 0.2, "n": 2}


def test_completion_and_generic_inference(fake_models: FakeModels) -> None:
    async def work(p: Providers) -> list[CallResult]:
        route = p.route("openai/fake-instruct")
        return [
            await p.completion(route, {"prompt": "say hi", "max_tokens": 2}),
            await p.inference(route, {"prompt": "plain"}),
            await p.inference(route, HELLO),
        ]

    completion, by_prompt, by_messages = run(fake_providers(fake_models), work)
    assert completion.response["choices"][0] == {
        "index": 0,
        "text": "echo: say",
        "finish_reason": "length",
        "logprobs": None,
    }
    assert by_prompt.response["object"] == "text_completion"
    assert by_messages.response["object"] == "chat.completion"
    assert [r["path"] for r in fake_models.requests()] == [
        "/v1/completions",
        "/v1/completions",
        "/v1/chat/completions",
    ]


def test_inference_needs_messages_or_prompt(fake_models: FakeModels) -> None:
    async def work(p: Providers) -> CallResult:
        return await p.inference(p.route("openai/fake-chat"), {"input": "x"})

    with pytest.raises(InvalidRequest, match="messages"):
        run(fake_providers(fake_models), work)
    assert fake_models.stats()["total"] == 0


def test_429_is_retried_after_the_delay_the_upstream_asks_for(fake_models: FakeModels) -> None:
    fake_models.control(
        fail_next=[{"status": 429, "retry_after_ms": 300}, {"status": 429, "retry_after": "0.3"}]
    )
    started = time.monotonic()
    result = chat(fake_providers(fake_models))
    assert result.attempts == 3
    assert time.monotonic() - started >= 0.6
    assert fake_models.stats()["total"] == 3


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409])
def test_5xx_408_and_409_are_retried(fake_models: FakeModels, status: int) -> None:
    fake_models.control(fail_next=[{"status": status, "retry_after_ms": 5}])
    assert chat(fake_providers(fake_models)).attempts == 2


def test_a_5xx_without_retry_after_backs_off_with_jitter(fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 500}])
    started = time.monotonic()
    assert chat(fake_providers(fake_models)).attempts == 2
    assert time.monotonic() - started < 0.5 + 0.5  # first backoff is at most 0.5 s


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_other_4xx_are_final_and_carry_the_upstream_message(
    fake_models: FakeModels, status: int
) -> None:
    fake_models.control(fail_next=[{"status": status, "message": "temperature is out of range"}])
    error = failure(fake_providers(fake_models))
    assert isinstance(error, UpstreamRejected) and error.type == "UpstreamRejected"
    assert (error.status_code, error.attempts) == (status, 1)
    assert "temperature is out of range" in error.message
    assert fake_models.stats()["total"] == 1


@pytest.mark.parametrize("before", [990, 995, 999])
def test_a_key_quoted_across_the_cut_leaves_no_prefix(fake_models: FakeModels, before: int) -> None:
    """The upstream's message is cut to 1,000 characters before the key is hidden, which
    matches only a whole key: cut inside the key, its first characters reached the cell's
    error."""
    quoting = "y" * before + " " + KEY + " was refused"
    fake_models.control(fail_next=[{"status": 400, "message": quoting}])
    error = failure(fake_providers(fake_models))
    assert isinstance(error, UpstreamRejected)
    assert "sk" not in error.message.rsplit("y", 1)[-1]
    assert error.message.endswith("…")


def test_a_non_json_body_is_quoted_without_a_word_cut_in_two() -> None:
    body = ("z" * 990 + " sk-ABCDEFGHIJKLMNOPQRSTUVWX tail").encode()
    assert upstream_message(body) == "z" * 990 + " …"
    assert quoted("short", 200) == "short"
    assert quoted("one two three", 9) == "one two …"
    assert quoted("one two three", 7) == "one two…"
    assert quoted("one two three", 5) == "one …"


def test_the_upstream_x_should_retry_header_wins(fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 500, "headers": {"x-should-retry": "false"}}])
    error = failure(fake_providers(fake_models))
    assert isinstance(error, UpstreamError) and error.attempts == 1
    fake_models.control(
        fail_next=[{"status": 400, "retry_after_ms": 5, "headers": {"x-should-retry": "true"}}]
    )
    assert chat(fake_providers(fake_models)).attempts == 2


def test_attempts_are_bounded(fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 503, "retry_after_ms": 1}] * 4)
    error = failure(fake_providers(fake_models), max_attempts=3)
    assert isinstance(error, UpstreamError) and (error.status_code, error.attempts) == (503, 3)
    assert fake_models.stats()["total"] == 3


def test_rate_limits_on_every_attempt_are_rate_limited(fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 429, "retry_after_ms": 1}] * 2)
    error = failure(fake_providers(fake_models, model_max_attempts=2))
    assert (
        isinstance(error, RateLimited) and error.type == "RateLimited" and error.status_code == 429
    )


def test_a_hung_call_times_out_and_is_retried(fake_models: FakeModels) -> None:
    fake_models.control(hang_next=1)
    error = failure(fake_providers(fake_models), timeout=0.3, max_attempts=1)
    assert isinstance(error, Timeout) and error.type == "Timeout" and error.status_code is None
    fake_models.control(hang_next=1)
    started = time.monotonic()
    result = chat(fake_providers(fake_models, model_timeout_seconds=0.3))
    assert result.attempts == 2 and time.monotonic() - started < 2
    deadline = time.monotonic() + 5
    while fake_models.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.05)  # the hung handlers end once their connections are dropped
    assert fake_models.stats()["in_flight"] == 0


def test_an_unreachable_vendor_is_a_connection_failure() -> None:
    providers = Providers(settings(openai_base_url=f"http://127.0.0.1:{free_port()}/v1"))
    error = failure(providers, max_attempts=2)
    assert isinstance(error, ConnectionFailed) and error.attempts == 2


def test_errors_never_show_the_vendors_endpoint(fake_models: FakeModels) -> None:
    # A base URL may hold credentials, an internal host and a path: none of it reaches a
    # tenant (task errors, 502 bodies) or the log, which quote these messages.
    secret_url = f"http://svc:hunter2@127.0.0.1:{free_port()}/internal/v1"
    unreachable = failure(Providers(settings(openai_base_url=secret_url)), max_attempts=1)
    # They name the vendor and the model instead.
    assert unreachable.message.startswith(
        "cannot reach vendor 'openai' (model 'fake-chat'): ClientConnectorError"
    )
    fake_models.control(hang_next=1)
    slow = failure(fake_providers(fake_models), timeout=0.3, max_attempts=1)
    assert slow.message == "vendor 'openai' (model 'fake-chat') did not answer within 0.3 s"
    fake_models.control(fail_next=[{"status": 400, "message": "bad messages"}])
    rejected = failure(fake_providers(fake_models), max_attempts=1)
    assert rejected.message == "vendor 'openai' (model 'fake-chat') returned 400: bad messages"
    for error in (unreachable, slow, rejected):
        for leak in ("hunter2", "127.0.0.1", "/internal", "svc", "http"):
            assert leak not in error.message, (leak, error.message)


def test_calls_in_flight_never_exceed_the_concurrency(fake_models: FakeModels) -> None:
    fake_models.control(latency_ms=50)
    providers = fake_providers(fake_models, model_concurrency=5)

    async def work(p: Providers) -> list[CallResult]:
        route = p.route("openai/fake-chat")
        return await asyncio.gather(*(p.chat_completion(route, HELLO) for _ in range(60)))

    results = run(providers, work)
    assert len(results) == 60
    stats = fake_models.stats()
    assert stats["total"] == 60 and stats["max_in_flight"] == 5


def test_a_rate_limit_paces_the_calls(fake_models: FakeModels, tmp_path: Path) -> None:
    path = write_toml(
        tmp_path / "providers.toml",
        f'[vendors.openai]\nbase_url = "{fake_models.base_url}"\nrate_limit = 20\nburst = 1\n',
    )
    providers = Providers(settings(providers_file=path))

    async def work(p: Providers) -> float:
        route = p.route("openai/fake-chat")
        started = time.monotonic()
        await asyncio.gather(*(p.chat_completion(route, HELLO) for _ in range(11)))
        return time.monotonic() - started

    assert run(providers, work) >= 0.45  # 11 calls at 20/s with no burst: 10 gaps of 50 ms


def collect(
    providers: Providers, kind: str, body: dict[str, Any], **kwargs: Any
) -> list[dict[str, Any]]:
    async def work(p: Providers) -> list[dict[str, Any]]:
        route = p.route("openai/fake-chat")
        stream = p.stream_chat_completion if kind == "chat" else p.stream_completion
        return [chunk async for chunk in stream(route, body, **kwargs)]

    return run(providers, work)


def test_streams_yield_chunks_without_the_done_sentinel(fake_models: FakeModels) -> None:
    providers = fake_providers(fake_models)
    chunks = collect(providers, "chat", {**HELLO, "stream_options": {"include_usage": True}})
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "echo: hello there"
    assert chunks[-1]["usage"]["completion_tokens"] == 3
    assert fake_models.last_body()["stream"] is True
    pieces = collect(fake_providers(fake_models), "completion", {"prompt": "a b c"})
    assert "".join(c["choices"][0]["text"] for c in pieces) == "echo: a b c"


def test_a_stream_is_retried_until_its_first_event(fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 503, "retry_after_ms": 5}])
    chunks = collect(fake_providers(fake_models), "chat", HELLO)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert fake_models.stats()["total"] == 2


def test_a_stream_that_breaks_midway_raises_after_its_chunks(fake_models: FakeModels) -> None:
    fake_models.control(stream_break_after=2)
    seen: list[dict[str, Any]] = []

    async def work(p: Providers) -> None:
        async for chunk in p.stream_chat_completion(p.route("openai/fake-chat"), HELLO):
            seen.append(chunk)

    with pytest.raises(ConnectionFailed):
        run(fake_providers(fake_models), work)
    assert len(seen) == 2 and fake_models.stats()["total"] == 1


def test_a_stream_that_breaks_before_its_first_event_is_retried(fake_models: FakeModels) -> None:
    """The consumer has seen nothing yet: as any call, it is tried again (it was final)."""
    fake_models.control(stream_break_after=0)
    chunks = collect(fake_providers(fake_models), "chat", HELLO)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert fake_models.stats()["total"] == 2


@pytest.mark.parametrize("after", [0, 2])
def test_a_stream_that_ends_before_it_finished_raises(fake_models: FakeModels, after: int) -> None:
    """A clean end with no finish_reason and no [DONE] is a cut answer (or none), not a whole
    one: the consumer would take the pieces so far for the reply."""
    fake_models.control(stream_end_after=after)
    seen: list[dict[str, Any]] = []

    async def work(p: Providers) -> None:
        async for chunk in p.stream_chat_completion(p.route("openai/fake-chat"), HELLO):
            seen.append(chunk)

    with pytest.raises(UpstreamError, match="ended its stream before it finished"):
        run(fake_providers(fake_models), work)
    assert len(seen) == after


def test_a_stream_answered_with_json_raises(fake_models: FakeModels) -> None:
    fake_models.control(stream_as_json=True)
    with pytest.raises(UpstreamError, match="with JSON, not events: streams are off today"):
        collect(fake_providers(fake_models), "chat", HELLO)


def test_a_stream_rejected_upfront_raises_before_any_chunk(fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 400, "message": "bad messages"}])
    with pytest.raises(UpstreamRejected, match="bad messages"):
        collect(fake_providers(fake_models), "chat", HELLO)


def test_listing_models_asks_the_vendor_and_caches_the_answer(fake_models: FakeModels) -> None:
    async def work(p: Providers) -> tuple[list[str], list[str]]:
        first = await p.list_models("openai")
        fake_models.control(models=["other"])
        return first, await p.list_models("openai")

    first, cached = run(fake_providers(fake_models), work)
    assert first == cached == ["fake-chat", "fake-instruct"]


def test_a_failing_listing_is_empty(fake_models: FakeModels) -> None:
    fake_models.control(models_status=500)

    async def work(p: Providers) -> list[str]:
        return await p.list_models("openai")

    assert run(fake_providers(fake_models), work) == []
    dead = Providers(settings(openai_base_url=f"http://127.0.0.1:{free_port()}/v1"))
    assert run(dead, work) == []


def test_the_vendor_key_is_sent_as_a_bearer_token(fake_models: FakeModels) -> None:
    fake_models.control(require_key=KEY)
    assert chat(fake_providers(fake_models)).attempts == 1
    wrong = Providers(settings(openai_base_url=fake_models.base_url, openai_api_key="sk-wrong"))
    error = failure(wrong)
    assert isinstance(error, UpstreamRejected) and error.status_code == 401
