"""`client.spans` of scale-gp-beta 0.7.0: its methods, the 0.7.0 fields and search filters."""

import uuid
import warnings

import pytest
from scale_gp_beta import ConflictError, SGPClient, UnprocessableEntityError
from scale_gp_beta.types import Span

from tests.sgp07.helpers import assert_final_conflict, assert_identity, error_locs
from tests.span.factories import at, span, unique


def test_create_with_the_07_fields(client: SGPClient) -> None:
    trace = str(uuid.uuid4())
    created = client.spans.create(
        name="llm",
        trace_id=trace,
        start_timestamp=at(0),
        end_timestamp=at(2),
        expected={"answer": "4"},
        output={"answer": "4", "usage": {"input_tokens": 11, "output_tokens": 2}},
        obs_trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        obs_span_id="00f067aa0ba902b7",
        type="OUTPUT_GUARDRAIL",
    )

    assert isinstance(created, Span)
    assert_identity(created, created.created_by.id if created.created_by else None)
    assert (created.expected, created.input_tokens, created.output_tokens) == (
        {"answer": "4"},
        11,
        2,
    )
    assert (created.obs_trace_id, created.obs_span_id) == (
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # retrieve is deprecated in 0.7.0
        assert client.spans.retrieve(created.id) == created
    with pytest.raises(UnprocessableEntityError) as bad:
        client.spans.create(name="x", trace_id=trace, start_timestamp=at(0), obs_span_id="00f0")
    assert error_locs(bad.value) == [["body", "obs_span_id"]]


def test_batch_rules_through_the_client(client: SGPClient) -> None:
    trace, elsewhere = str(uuid.uuid4()), str(uuid.uuid4())
    root = span(trace)
    client.spans.batch(items=[root])  # type: ignore[list-item]
    with pytest.raises(ConflictError) as again:
        client.spans.batch(items=[root])  # type: ignore[list-item]
    assert_final_conflict(again.value)
    with pytest.raises(ConflictError) as crossed:
        client.spans.upsert_batch(items=[span(elsewhere, parent_id=root["id"])])  # type: ignore[list-item]
    assert_final_conflict(crossed.value)
    with pytest.raises(UnprocessableEntityError) as wide:
        client.spans.upsert_batch(items=[span(trace, group_id="ü" * 200)])  # type: ignore[list-item]
    assert error_locs(wide.value) == [["body", "items", 0, "group_id"]]


def test_search_with_the_07_filters(client: SGPClient) -> None:
    group, word = unique("g"), unique("w")
    trace = str(uuid.uuid4())
    root = span(trace, group_id=group, name="root", metadata={"acp_type": "agentic"})
    child = span(
        trace,
        group_id=group,
        parent_id=root["id"],
        start_timestamp=at(3),
        end_timestamp=at(5),
        input={"q": f"where is {word}?"},
        metadata={"agentex_agent_id": "agent-7", "agentex_agent_name": "finder", "k": [1, 2]},
        obs_trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
    )
    other = span(str(uuid.uuid4()), group_id=group, output={"text": f"{word} found"})
    client.spans.upsert_batch(items=[root, child, other])  # type: ignore[list-item]
    client.span_assessments.create(
        assessment_type="approval", approval="approved", trace_id=trace, span_id=child["id"]
    )

    def found(**filters: object) -> set[str]:
        return {s.id for s in client.spans.search(group_id=group, **filters)}  # type: ignore[arg-type]

    r, c, o = root["id"], child["id"], other["id"]
    assert found(search_texts=[word]) == {c, o}
    assert found(search_texts=[word, '"where is"']) == {c}
    assert found(search_texts=[trace]) == {r, c}  # a UUID-shaped term finds its trace
    assert found(parent_ids=[r]) == {c}
    assert found(spans=[{"trace_id": trace, "span_id": c}]) == {c}
    assert found(excluded_spans=[{"trace_id": trace, "span_id": c}]) == {r, o}
    assert found(min_duration_ms=2000) == {c}
    assert found(max_duration_ms=1000) == {r, o}
    assert found(agentex_agent_ids=["agent-7"], agentex_agent_names=["finder"]) == {c}
    assert found(acp_types=["agentic"]) == {r}
    assert found(extra_metadata={"k": 2}) == {c}
    assert found(assessment_types=["approval"]) == {c}
    assert found(obs_trace_ids=["4bf92f3577b34da6a3ce929d0e0e4736"]) == {c}
    assert found(allow_partial_results=True, sort_by="start_timestamp") == {r, c, o}
    assert found(x_project_id="ignored") == {r, c, o}
    with pytest.raises(UnprocessableEntityError) as short:
        client.spans.search(search_texts=["x"])
    assert error_locs(short.value) == [["body", "search_texts", 0]]
    with pytest.raises(UnprocessableEntityError) as too_many:
        client.spans.search(trace_ids=["t"] * 9000, spans=[{"trace_id": "t", "span_id": "s"}] * 501)
    assert error_locs(too_many.value) == [["body"]]
