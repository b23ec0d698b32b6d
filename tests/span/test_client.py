"""`client.spans` of scale-gp-beta 0.1.0a29: its six methods, parsed into the client's types."""

import uuid
from datetime import UTC, datetime

import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient, UnprocessableEntityError
from scale_gp_beta.types import Span

from tests.span.factories import at, span, unique


def test_create_retrieve_update(client: SGPClient, other_client: SGPClient) -> None:
    trace = str(uuid.uuid4())
    created = client.spans.create(
        name="root",
        trace_id=trace,
        start_timestamp=datetime(2026, 3, 1, 12, tzinfo=UTC),
        input={"question": "why?"},
        metadata={"env": "prod"},
        type="TRACER",
    )

    assert isinstance(created, Span) and created.object == "span"
    assert (created.trace_id, created.name, created.type, created.status) == (
        trace,
        "root",
        "TRACER",
        "SUCCESS",
    )
    assert created.created_by_user_id and created.end_timestamp is None
    assert client.spans.retrieve(created.id) == created

    updated = client.spans.update(
        created.id,
        end_timestamp=datetime(2026, 3, 1, 12, 0, 3, tzinfo=UTC),
        output={"answer": "because"},
        status="ERROR",
    )
    assert updated.end_timestamp == datetime(2026, 3, 1, 12, 0, 3, tzinfo=UTC)
    assert (updated.output, updated.status, updated.input) == (
        {"answer": "because"},
        "ERROR",
        {"question": "why?"},
    )
    with pytest.raises(NotFoundError):
        other_client.spans.retrieve(created.id)
    with pytest.raises(UnprocessableEntityError):
        client.spans.create(
            name="bad",
            trace_id=trace,
            start_timestamp=at(5),
            end_timestamp=at(1),
        )


def test_batch_and_upsert_batch(client: SGPClient) -> None:
    trace = str(uuid.uuid4())
    root = span(trace, name="root")
    child = span(trace, name="child", parent_id=root["id"], end_timestamp=None)

    written = client.spans.batch(items=[root, child])  # type: ignore[list-item]
    assert [item.id for item in written.items] == [root["id"], child["id"]]
    with pytest.raises(ConflictError):
        client.spans.batch(items=[root])  # type: ignore[list-item]

    done = {**child, "end_timestamp": at(2), "output": {"usage": {"prompt_tokens": 1}}}
    upserted = client.spans.upsert_batch(items=[done, {**child, "name": "again"}])  # type: ignore[list-item]
    (item,) = upserted.items
    assert item.end_timestamp is not None and item.name == "child"  # the completed write won
    assert client.spans.retrieve(child["id"]).end_timestamp == item.end_timestamp


def test_search_with_the_a29_filters_and_paging(client: SGPClient) -> None:
    group, word = unique("g"), unique("word")
    trace = str(uuid.uuid4())
    spans = [
        span(trace, group_id=group, start_timestamp=at(i), input={"q": f"{word} {i}"})
        for i in range(25)
    ]
    client.spans.upsert_batch(items=spans)  # type: ignore[arg-type]
    newest_first = [s["id"] for s in reversed(spans)]

    page = client.spans.search(group_id=group, limit=10)
    assert [s.id for s in page.items] == newest_first[:10] and page.has_more
    # The client's auto-paging follows the last id of each page, without gaps or repeats.
    assert [s.id for s in client.spans.search(group_id=group, limit=10)] == newest_first
    assert [s.id for s in client.spans.search(trace_id=trace, span_id=spans[3]["id"])] == [
        spans[3]["id"]
    ]
    found = client.spans.search(search_text=f"{word} 1", group_id=group, sort_order="asc")
    assert [s.id for s in found] == [spans[1]["id"], *(s["id"] for s in spans[10:20])]
    window = client.spans.search(group_id=group, from_ts=at(3), to_ts=at(5), statuses=["SUCCESS"])
    assert {s.id for s in window} == {s["id"] for s in spans[3:6]}
    assert list(client.spans.search(group_id=group, types=["CUSTOM"])) == []
