"""POST /v5/chat/completions and /v5/completions through the official client, streams included."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient, Stream
from scale_gp_beta.types import Completion
from scale_gp_beta.types.chat import ChatCompletion, ChatCompletionChunk

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server
from tests.inference.conftest import OPENAI_KEY

MESSAGES: list[dict[str, object]] = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "hello there"},
]


def test_chat_completion_passes_through_the_upstream_answer(
    llm: SGPClient, fake_models: FakeModels
) -> None:
    completion = llm.chat.completions.create(
        model="openai/fake-chat", messages=MESSAGES, temperature=0.1, n=2, extra_body={"top_k": 3}
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.object == "chat.completion"
    assert [c.message.content for c in completion.choices] == ["echo: hello there"] * 2
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.prompt_tokens == 4
    [sent] = fake_models.requests()
    assert sent["authorization"] == f"Bearer {OPENAI_KEY}"
    assert sent["body"] == {
        "model": "fake-chat",
        "messages": MESSAGES,
        "temperature": 0.1,
        "n": 2,
        "top_k": 3,
    }


def test_chat_completion_stream_through_the_official_client(
    llm: SGPClient, fake_models: FakeModels
) -> None:
    stream = llm.chat.completions.create(
        model="openai/fake-chat",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    assert isinstance(stream, Stream)
    chunks = list(stream)
    assert chunks and all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: hello there"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 7
    assert fake_models.last_body()["stream"] is True


def test_the_event_stream_never_sends_done(llm_http: httpx.Client, fake_models: FakeModels) -> None:
    body = {"model": "openai/fake-chat", "messages": MESSAGES, "stream": True}
    with llm_http.stream("POST", "/v5/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert events and all(e.startswith("data: {") for e in events)
    assert "[DONE]" not in raw


def test_a_stream_that_breaks_midway_ends_with_one_error_event(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(stream_break_after=2)
    body = {"model": "openai/fake-chat", "messages": MESSAGES, "stream": True}
    with llm_http.stream("POST", "/v5/chat/completions", json=body) as response:
        assert response.status_code == 200
        events = [e for e in response.read().decode().split("\n\n") if e]
    assert len(events) == 3
    assert events[-1].startswith('data: {"error":')
    assert '"type":"ConnectionFailed"' in events[-1]


def test_a_stream_cut_short_ends_with_an_error_event(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    """An upstream stream that ends cleanly before any finish_reason was a 200 with the pieces
    so far and no error: the client took a truncated answer for a whole one."""
    fake_models.control(stream_end_after=2)
    body = {"model": "openai/fake-chat", "messages": MESSAGES, "stream": True}
    with llm_http.stream("POST", "/v5/chat/completions", json=body) as response:
        assert response.status_code == 200
        events = [e for e in response.read().decode().split("\n\n") if e]
    assert len(events) == 3
    assert events[-1].startswith('data: {"error":') and "before it finished" in events[-1]


@pytest.mark.parametrize("fault", [{"stream_end_after": 0}, {"stream_as_json": True}])
def test_a_stream_with_no_events_is_a_502(
    llm_http: httpx.Client, fake_models: FakeModels, fault: dict[str, Any]
) -> None:
    fake_models.control(**fault)
    body = {"model": "openai/fake-chat", "messages": MESSAGES, "stream": True}
    response = llm_http.post("/v5/chat/completions", json=body)
    assert response.status_code == 502, response.text
    assert response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize(
    "answer",
    [{"id": "x"}, {"choices": None}, {"choices": []}, {"choices": ["hello"]}, {"choices": [{}]}],
)
def test_an_answer_without_choices_is_a_502(
    llm_http: httpx.Client, fake_models: FakeModels, answer: dict[str, Any]
) -> None:
    """It was passed on as a chat.completion, off the schema the clients parse by."""
    fake_models.control(bodies_next=[answer, answer])
    chat = {"model": "openai/fake-chat", "messages": MESSAGES}
    response = llm_http.post("/v5/chat/completions", json=chat)
    assert response.status_code == 502, response.text
    assert "InvalidResponse: the upstream's answer has no chat.completion choices" in response.text
    completion = {"model": "openai/fake-instruct", "prompt": "x"}
    assert llm_http.post("/v5/completions", json=completion).status_code == 502


def test_an_answer_without_choices_quoting_the_callers_key_hides_it(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    """The 502 quoted the malformed answer as it came, the caller's (or the account's) key in
    it: only the server's own keys were taken out."""
    key = "sk-callers-own-key-0123456789"
    answer = {"error": {"message": f"key {key} is not allowed"}}
    fake_models.control(bodies_next=[answer])
    chat = {"model": "openai/fake-chat", "messages": MESSAGES}
    response = llm_http.post("/v5/chat/completions", json=chat, headers={"x-openai-api-key": key})
    assert response.status_code == 502, response.text
    assert key not in response.text and "[redacted]" in response.text


def test_a_stream_rejected_before_output_is_a_plain_http_error(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 400, "message": "messages must not be empty"}])
    body = {"model": "openai/fake-chat", "messages": MESSAGES, "stream": True}
    response = llm_http.post("/v5/chat/completions", json=body)
    assert response.status_code == 400
    assert "messages must not be empty" in response.json()["detail"]


def test_completion_and_its_stream(llm: SGPClient, fake_models: FakeModels) -> None:
    completion = llm.completions.create(
        model="openai/fake-instruct", prompt="one two three", max_tokens=3
    )
    assert isinstance(completion, Completion) and completion.object == "text_completion"
    assert (
        completion.choices[0].text == "echo: one two"
        and completion.choices[0].finish_reason == "length"
    )
    assert fake_models.last_body() == {
        "model": "fake-instruct",
        "prompt": "one two three",
        "max_tokens": 3,
    }

    chunks = list(
        llm.completions.create(model="openai/fake-instruct", prompt=["a b", "c"], stream=True)
    )
    assert all(isinstance(c, Completion) and c.object == "text_completion" for c in chunks)
    by_choice: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            by_choice[choice.index] = by_choice.get(choice.index, "") + choice.text
    assert by_choice == {0: "echo: a b", 1: "echo: c"}


def test_inference_routes_messages_to_chat_and_prompt_to_completions(
    llm: SGPClient, fake_models: FakeModels
) -> None:
    chat = llm.inference.create(model="openai/fake-chat", args={"messages": MESSAGES, "seed": 1})
    assert chat.object == "generic_inference"
    assert isinstance(chat.response, dict)
    assert chat.response["choices"][0]["message"]["content"] == "echo: hello there"
    text = llm.inference.create(model="openai/fake-instruct", args={"prompt": "hi"})
    assert isinstance(text.response, dict) and text.response["choices"][0]["text"] == "echo: hi"
    assert [r["path"] for r in fake_models.requests()] == [
        "/v1/chat/completions",
        "/v1/completions",
    ]
    assert fake_models.requests()[0]["body"]["seed"] == 1


def test_inference_without_messages_or_prompt_is_422(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    response = llm_http.post(
        "/v5/inference", json={"model": "openai/fake-chat", "args": {"input": "x"}}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "args"]
    assert fake_models.stats()["total"] == 0


def test_no_message_or_no_prompt_is_422_before_any_call(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    for path, body, loc in (
        ("/v5/chat/completions", {"messages": []}, ["body", "messages"]),
        ("/v5/completions", {"prompt": []}, ["body", "prompt", "list[any]"]),
        ("/v5/inference", {"args": {"prompt": []}}, ["body", "args"]),
        ("/v5/inference", {"args": {"messages": []}}, ["body", "args"]),
    ):
        response = llm_http.post(path, json={"model": "openai/fake-chat", **body})
        assert response.status_code == 422, path
        assert loc in [problem["loc"] for problem in response.json()["detail"]], response.json()
    assert fake_models.stats()["total"] == 0


def test_missing_fields_are_422(llm_http: httpx.Client) -> None:
    assert (
        llm_http.post("/v5/chat/completions", json={"model": "openai/fake-chat"}).status_code == 422
    )
    assert llm_http.post("/v5/completions", json={"model": "openai/fake-chat"}).status_code == 422
    assert llm_http.post("/v5/inference", json={"args": {}}).status_code == 422


def test_inference_endpoints_need_an_api_key(llm_server: Server) -> None:
    body = {"model": "openai/fake-chat", "messages": MESSAGES}
    assert httpx.post(f"{llm_server.base_url}/v5/chat/completions", json=body).status_code == 401
    assert httpx.get(f"{llm_server.base_url}/v5/chat/completions/models").status_code == 401
