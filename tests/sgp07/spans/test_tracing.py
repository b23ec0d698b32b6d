"""The 0.7.0 client's tracing library (`scale_gp_beta.lib.tracing`) against Yardstick: a trace
of nested spans, each sent at its start and at its end through `PUT /v5/spans/batch`, read back
by search."""

import uuid

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta.lib import tracing


def test_a_traced_run_is_stored_whole(client: SGPClient) -> None:
    # One queue manager per process: a later init (the other backend) points it at its client.
    tracing.init(client=client)
    group = f"run-{uuid.uuid4().hex[:8]}"

    with tracing.create_trace(
        "answer question", input={"question": "2+2?"}, group_id=group
    ) as trace:
        with tracing.create_span("retrieve", input={"query": "arithmetic"}) as retrieve:
            retrieve.output = {"documents": ["addition.md"]}
        with tracing.create_span("llm", span_type="COMPLETION") as llm:
            with tracing.create_span("guardrail", span_type="GUARDRAIL") as guard:
                guard.output = {"passed": True}
            llm.output = {
                "answer": "4",
                "usage": {"prompt_tokens": 20, "completion_tokens": 1},
                "api_key": "sk-" + "x" * 40,
            }
        trace.output = {"answer": "4"}
    tracing.flush_queue()

    spans = {s.name: s for s in client.spans.search(trace_ids=[trace.trace_id])}
    assert set(spans) == {"answer question", "retrieve", "llm", "guardrail"}
    root = spans["answer question"]
    assert (root.parent_id, root.type, root.group_id) == (None, "TRACER", group)
    assert spans["retrieve"].parent_id == root.id and spans["llm"].parent_id == root.id
    assert spans["guardrail"].parent_id == spans["llm"].id
    assert all(s.end_timestamp is not None and s.status == "SUCCESS" for s in spans.values())
    assert (spans["llm"].input_tokens, spans["llm"].output_tokens) == (20, 1)
    assert spans["llm"].output["api_key"] == "[REDACTED:credential]"  # type: ignore[index]
    assert root.output == {"answer": "4"} and root.input == {"question": "2+2?"}
    assert [s.id for s in client.spans.search(search_texts=["addition.md"], group_id=group)] == [
        spans["retrieve"].id
    ]


def test_an_error_inside_a_span_is_recorded(client: SGPClient) -> None:
    tracing.init(client=client)
    with (
        pytest.raises(ValueError, match="boom"),
        tracing.create_trace("failing run") as trace,
        tracing.create_span("step"),
    ):
        raise ValueError("boom")
    tracing.flush_queue()

    statuses = {s.name: s.status for s in client.spans.search(trace_ids=[trace.trace_id])}
    assert statuses["step"] == "ERROR"
