"""`POST /v5/responses`: OpenAI's Responses API passed through to OpenAI's vendor, streamed or
not, with its fields checked here and every other vendor refused before any call."""

from typing import Any

import httpx
import orjson
import pytest

from tests.fixtures.fake_model_server import FakeModels

MODEL = "openai/fake-chat"


def _events(response: httpx.Response) -> list[dict[str, Any]]:
    """The SSE body's events; every line is a `data:` line or blank (no `event:` lines)."""
    lines = response.text.split("\n")
    assert all(line.startswith("data: ") or line == "" for line in lines), response.text
    return [orjson.loads(line[6:]) for line in lines if line]


def test_a_response_is_passed_through_with_every_field(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    body = {
        "model": MODEL,
        "input": "hello there",
        "instructions": "be brief",
        "temperature": 0.5,
        "store": False,
        "reasoning": {"effort": "low"},
        "a_newer_field": [1, 2],
    }
    response = llm_http.post("/v5/responses", json=body)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["object"] == "response"
    assert answer["output"][0]["content"][0]["text"] == "echo: hello there"
    assert answer["usage"]["output_tokens"] == 3
    sent = fake_models.last_body("/v1/responses")
    assert sent == {**body, "model": "fake-chat"}  # the upstream name; nothing dropped or added
    assert fake_models.requests()[-1]["path"] == "/v1/responses"


def test_input_items_are_passed_as_given(llm_http: httpx.Client, fake_models: FakeModels) -> None:
    items = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "input_text", "text": "first"}]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "second"},
    ]
    response = llm_http.post("/v5/responses", json={"model": MODEL, "input": items})

    assert response.status_code == 200, response.text
    assert response.json()["output"][0]["content"][0]["text"] == "echo: second"
    assert fake_models.last_body("/v1/responses")["input"] == items


def test_a_stream_passes_each_event_in_order(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    response = llm_http.post(
        "/v5/responses", json={"model": MODEL, "input": "one two three", "stream": True}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response)
    types = [event["type"] for event in events]
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert set(types[1:-1]) == {"response.output_text.delta"}
    assert "".join(e["delta"] for e in events[1:-1]) == "echo: one two three"
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    assert "object" not in events[1]  # events pass as they came
    assert fake_models.last_body("/v1/responses")["stream"] is True


def test_a_stream_cut_to_its_token_limit_ends_incomplete(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    body = {"model": MODEL, "input": "one two three", "stream": True, "max_output_tokens": 1}
    events = _events(llm_http.post("/v5/responses", json=body))

    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "echo:"


def test_a_stream_the_upstream_cuts_short_ends_with_an_error_event(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(stream_end_after=2)
    body = {"model": MODEL, "input": "one two three", "stream": True}
    events = _events(llm_http.post("/v5/responses", json=body))

    assert [e.get("type") for e in events[:2]] == ["response.created", "response.output_text.delta"]
    assert "ended its stream before it finished" in events[-1]["error"]["message"]


@pytest.mark.parametrize("model", ["llmengine/some-model", "launch/x", "xai/grok-static"])
def test_other_vendors_are_refused_before_any_call(
    llm_http: httpx.Client, fake_models: FakeModels, model: str
) -> None:
    for stream in (False, True):
        response = llm_http.post(
            "/v5/responses", json={"model": model, "input": "hi", "stream": stream}
        )
        assert response.status_code == 400, response.text
        assert "OpenAI models only" in response.json()["detail"]
        assert repr(model.split("/")[0]) in response.json()["detail"]
        assert response.headers["x-should-retry"] == "false"
    assert fake_models.stats()["total"] == 0


def test_an_unknown_model_is_a_404(llm_http: httpx.Client, fake_models: FakeModels) -> None:
    response = llm_http.post("/v5/responses", json={"model": "nobody/x", "input": "hi"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"input": None}, ["body", "input"]),
        ({"input": []}, ["body", "input"]),
        ({"input": ["text"]}, ["body", "input"]),
        ({"temperature": 2.5}, ["body", "temperature"]),
        ({"top_p": -0.1}, ["body", "top_p"]),
        ({"truncation": "sometimes"}, ["body", "truncation"]),
        ({"max_output_tokens": 0}, ["body", "max_output_tokens"]),
        ({"max_output_tokens": "10"}, ["body", "max_output_tokens"]),
        ({"tools": "all"}, ["body", "tools"]),
        ({"include": "reasoning"}, ["body", "include"]),
        ({"model": 3}, ["body", "model"]),
        # Of the wrong type, not converted (they went upstream as 0.5, 1.0, false, true).
        ({"temperature": "0.5"}, ["body", "temperature"]),
        ({"top_p": True}, ["body", "top_p"]),
        ({"store": "no"}, ["body", "store"]),
        ({"parallel_tool_calls": "on"}, ["body", "parallel_tool_calls"]),
        ({"stream": "yes"}, ["body", "stream"]),
        ({"stream": 1}, ["body", "stream"]),
    ],
)
def test_bad_fields_are_a_422_naming_them(
    llm_http: httpx.Client, fake_models: FakeModels, change: dict[str, Any], loc: list[str]
) -> None:
    body = {"model": MODEL, "input": "hi", **change}
    response = llm_http.post("/v5/responses", json=body)

    assert response.status_code == 422, response.text
    assert any(problem["loc"][:2] == loc for problem in response.json()["detail"]), response.json()
    assert fake_models.stats()["total"] == 0


def test_a_missing_input_is_a_422(llm_http: httpx.Client) -> None:
    response = llm_http.post("/v5/responses", json={"model": MODEL})
    assert response.status_code == 422
    assert ["body", "input"] in [problem["loc"] for problem in response.json()["detail"]]


def test_an_answer_without_output_is_a_502(llm_http: httpx.Client, fake_models: FakeModels) -> None:
    fake_models.control(bodies_next=[{"id": "resp_1", "object": "response"}])
    response = llm_http.post("/v5/responses", json={"model": MODEL, "input": "hi"})

    assert response.status_code == 502
    assert "no output list" in response.json()["detail"]


def test_an_upstream_refusal_keeps_its_status(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 400, "message": "previous_response_id not found"}])
    response = llm_http.post(
        "/v5/responses", json={"model": MODEL, "input": "hi", "previous_response_id": "resp_x"}
    )

    assert response.status_code == 400
    assert "previous_response_id not found" in response.json()["detail"]


def test_the_callers_own_openai_key_is_used(
    llm_http: httpx.Client, fake_models: FakeModels
) -> None:
    response = llm_http.post(
        "/v5/responses",
        json={"model": MODEL, "input": "hi"},
        headers={"x-openai-api-key": "sk-callers-own-key"},
    )

    assert response.status_code == 200
    assert fake_models.requests()[-1]["authorization"] == "Bearer sk-callers-own-key"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v5/responses", {"model": MODEL, "input": "hi"}),
        ("/v5/chat/completions", {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_a_refusal_of_the_callers_own_key_is_the_callers_400(
    llm_http: httpx.Client, fake_models: FakeModels, path: str, body: dict[str, Any], stream: bool
) -> None:
    """It was a 502 blaming "Yardstick's credentials", which the caller cannot fix."""
    fake_models.control(fail_next=[{"status": 401, "message": "Incorrect API key provided"}])
    response = llm_http.post(
        path, json={**body, "stream": stream}, headers={"x-openai-api-key": "sk-wrong"}
    )

    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("x-openai-api-key: the upstream refused")
    assert response.headers["x-should-retry"] == "false"
    fake_models.control(fail_next=[{"status": 401, "message": "Incorrect API key provided"}])
    response = llm_http.post(path, json={**body, "stream": stream})
    assert response.status_code == 502  # the server's own key: Yardstick's to fix
    assert "Yardstick's credentials" in response.json()["detail"]


@pytest.mark.parametrize("key", ["clé".encode(), b"", b"sk-\tkey"])
@pytest.mark.parametrize("path", ["/v5/responses", "/v5/chat/completions"])
def test_a_callers_key_that_is_not_printable_ascii_is_a_400(
    llm_http: httpx.Client, fake_models: FakeModels, path: str, key: bytes
) -> None:
    """A UTF-8 key went upstream as its Latin-1 reading."""
    body = {"model": MODEL, "input": "hi", "messages": [{"role": "user", "content": "hi"}]}
    response = llm_http.post(path, json=body, headers={"x-openai-api-key": key})

    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("x-openai-api-key:")
    assert fake_models.stats()["total"] == 0
