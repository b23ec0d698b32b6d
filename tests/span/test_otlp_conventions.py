"""The semantic conventions of LLM spans (yardstick.span.otlp_conventions): GenAI, OpenLLMetry
and OpenInference attributes as type, input, output and token counts. Without a server."""

import math
from typing import Any

import orjson
import pytest

from tests.span.otlp_requests import one, otel, span_id


def test_genai_chat_span() -> None:
    messages_in = [{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]
    messages_out = [{"role": "assistant", "parts": [{"type": "text", "content": "hello"}]}]
    write = one(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 3,
            "gen_ai.input.messages": orjson.dumps(messages_in).decode(),
            "gen_ai.output.messages": orjson.dumps(messages_out).decode(),
            "gen_ai.system_instructions": '[{"type": "text", "content": "be brief"}]',
        },
        parent=span_id(),
    )

    assert write.type == "COMPLETION"
    assert write.input == {
        "messages": messages_in,
        "system_instructions": [{"type": "text", "content": "be brief"}],
    }
    assert write.output == {"messages": messages_out}
    assert (write.input_tokens, write.output_tokens) == (12, 3)
    # What is not moved into input and output stays, token counts included.
    assert otel(write)["attributes"] == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
    }


def test_openllmetry_indexed_prompts_and_older_token_names() -> None:
    write = one(
        {
            "gen_ai.system": "openai",
            "llm.request.type": "chat",
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "second",
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": "first",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "answer",
            "gen_ai.completion.0.finish_reason": "stop",
            "gen_ai.prompt.template": "not a message",
            "gen_ai.usage.prompt_tokens": "40",
            "gen_ai.usage.completion_tokens": 7.0,
        },
        parent=span_id(),
    )

    assert write.type == "COMPLETION"
    assert write.input == {
        "messages": [
            {"role": "system", "content": "first"},
            {"role": "user", "content": "second"},
        ]
    }
    assert write.output == {
        "messages": [{"role": "assistant", "content": "answer", "finish_reason": "stop"}]
    }
    assert (write.input_tokens, write.output_tokens) == (40, 7)
    assert "gen_ai.prompt.template" in otel(write)["attributes"]


def test_openllmetry_entity_input_and_output() -> None:
    write = one(
        {
            "traceloop.span.kind": "tool",
            "traceloop.entity.input": '{"args": [1, 2]}',
            "traceloop.entity.output": "not json",
        },
        parent=span_id(),
    )

    assert write.type == "CODE_EXECUTION"
    assert write.input == {"value": {"args": [1, 2]}}
    assert write.output == {"value": "not json"}


def test_openinference_llm_span() -> None:
    write = one(
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "claude",
            "input.value": '{"question": "why?"}',
            "input.mime_type": "application/json",
            "output.value": '{"not": "parsed"}',
            "output.mime_type": "text/plain",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "why?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "because",
            "llm.token_count.prompt": 5,
            "llm.token_count.completion": 1,
        },
        parent=span_id(),
    )

    assert write.type == "COMPLETION"
    assert write.input == {
        "messages": [{"role": "user", "content": "why?"}],
        "value": {"question": "why?"},
    }
    assert write.output == {
        "messages": [{"role": "assistant", "content": "because"}],
        "value": '{"not": "parsed"}',
    }
    assert (write.input_tokens, write.output_tokens) == (5, 1)
    assert otel(write)["attributes"] == {
        "openinference.span.kind": "LLM",
        "llm.model_name": "claude",
        "llm.token_count.prompt": 5,
        "llm.token_count.completion": 1,
    }


@pytest.mark.parametrize(
    ("attributes", "span_type"),
    [
        ({"openinference.span.kind": "LLM"}, "COMPLETION"),
        ({"openinference.span.kind": "CHAIN"}, "CUSTOM"),
        ({"openinference.span.kind": "RETRIEVER"}, "KB_RETRIEVAL"),
        ({"openinference.span.kind": "RERANKER"}, "RERANKING"),
        ({"openinference.span.kind": "EMBEDDING"}, "CUSTOM"),
        ({"openinference.span.kind": "TOOL"}, "CODE_EXECUTION"),
        ({"openinference.span.kind": "AGENT"}, "AGENT_WORKFLOW"),
        ({"openinference.span.kind": "GUARDRAIL"}, "GUARDRAIL"),
        ({"openinference.span.kind": "EVALUATOR"}, "EVALUATION"),
        ({"openinference.span.kind": "agent"}, "AGENT_WORKFLOW"),
        ({"gen_ai.operation.name": "chat"}, "COMPLETION"),
        ({"gen_ai.operation.name": "text_completion"}, "COMPLETION"),
        ({"gen_ai.operation.name": "execute_tool"}, "CODE_EXECUTION"),
        ({"gen_ai.operation.name": "invoke_agent"}, "AGENT_WORKFLOW"),
        ({"gen_ai.operation.name": "embeddings"}, "CUSTOM"),
        ({"traceloop.span.kind": "agent"}, "AGENT_WORKFLOW"),
        # OpenInference's kind first, then GenAI's operation.
        ({"openinference.span.kind": "TOOL", "gen_ai.operation.name": "chat"}, "CODE_EXECUTION"),
        ({"gen_ai.operation.name": "chat", "traceloop.span.kind": "tool"}, "COMPLETION"),
        ({"openinference.span.kind": "UNKNOWN"}, "STANDALONE"),
        ({"gen_ai.operation.name": 3}, "STANDALONE"),
        ({}, "STANDALONE"),
    ],
)
def test_span_type(attributes: dict[str, Any], span_type: str) -> None:
    assert one(attributes, parent=span_id()).type == span_type


def test_a_root_span_of_no_known_kind_is_the_tracer_of_its_trace() -> None:
    assert one({"http.route": "/"}).type == "TRACER"
    assert one({"openinference.span.kind": "AGENT"}).type == "AGENT_WORKFLOW"


@pytest.mark.parametrize(
    "count", [-1, "many", "²", "-3", "9" * 20, "9" * 5000, 2.0**63, 1e30, 2.5, math.inf, True]
)
def test_counts_that_are_not_counts_are_ignored(count: Any) -> None:
    write = one({"gen_ai.usage.input_tokens": count, "llm.token_count.completion": count})

    assert (write.input_tokens, write.output_tokens) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 18446744073709551616}',  # beyond 64 bits: orjson would make it a float
        '{"a": "\\u0000"}',
        "[" * 300 + "]" * 300,
        "{not json",
    ],
)
def test_json_text_a_body_could_not_hold_stays_text(text: str) -> None:
    write = one({"input.value": text, "input.mime_type": "application/json"})

    assert write.input == {"value": text}


def test_json_text_keeps_integers_exact() -> None:
    write = one({"traceloop.entity.output": '{"id": 1234567890123456789012}'})

    assert write.output == {"value": '{"id": 1234567890123456789012}'}  # over 64 bits: text
    write = one({"traceloop.entity.output": '{"id": 12345678901234567890}'})
    assert write.output == {"value": {"id": 12345678901234567890}}


def test_an_index_that_is_not_a_number_stays_an_attribute() -> None:
    write = one({"gen_ai.prompt.².role": "user", "gen_ai.prompt.x.content": "hi"})

    assert write.input == {}
    assert otel(write)["attributes"] == {
        "gen_ai.prompt.².role": "user",
        "gen_ai.prompt.x.content": "hi",
    }


def test_an_index_no_list_of_messages_reaches_stays_an_attribute() -> None:
    # 5,000 digits: past the 4,300 `int` reads, which was a 500.
    huge = "9" * 5000
    write = one(
        {
            "gen_ai.prompt.0.role": "user",
            f"gen_ai.prompt.{huge}.role": "user",
            "llm.input_messages.1234567890123456789.message.content": "hi",
        }
    )

    assert write.input == {"messages": [{"role": "user"}]}
    assert otel(write)["attributes"] == {
        f"gen_ai.prompt.{huge}.role": "user",
        "llm.input_messages.1234567890123456789.message.content": "hi",
    }
