"""Mapping OTLP spans to span writes (yardstick.span.otlp): ids, times, status, metadata and
attribute values, from protobuf and from JSON alike. Without a server."""

import math
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from tests.span.otlp_requests import (
    END_NS,
    START_NS,
    export_request,
    make_span,
    one,
    otel,
    span_id,
    trace_id,
    writes,
)
from yardstick.span import otlp


def test_ids_are_the_otel_ids_in_hex_and_uuids_derived_from_them() -> None:
    trace, parent, child = trace_id(), span_id(), span_id()
    root_write, child_write = writes(
        export_request(
            make_span("root", trace=trace, span=parent),
            make_span("child", trace=trace, span=child, parent=parent),
        )
    )

    assert child_write.obs_trace_id == trace.hex() and child_write.obs_span_id == child.hex()
    assert child_write.trace_id == str(uuid.UUID(bytes=trace))
    assert child_write.id == str(uuid.uuid5(otlp.SPAN_NAMESPACE, trace.hex() + child.hex()))
    assert child_write.parent_id == root_write.id
    assert root_write.parent_id is None
    assert (root_write.trace_id, root_write.obs_trace_id) == (
        child_write.trace_id,
        child_write.obs_trace_id,
    )


def test_ids_are_stable_and_a_span_id_is_scoped_by_its_trace() -> None:
    same = span_id()
    first = one(trace=b"\x01" * 16, span=same)

    assert one(trace=b"\x01" * 16, span=same).id == first.id  # sent again: the same span
    assert one(trace=b"\x02" * 16, span=same).id != first.id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("trace", b"", "traceId must be 16 bytes"),
        ("trace", b"\x01" * 8, "traceId must be 16 bytes"),
        ("trace", bytes(16), "traceId is all zeros"),
        ("span", b"\x01" * 16, "spanId must be 8 bytes"),
        ("span", bytes(8), "spanId is all zeros"),
        ("parent", b"\x01" * 4, "parentSpanId must be 8 bytes"),
    ],
)
def test_bad_ids_are_refused_naming_the_span(field: str, value: bytes, message: str) -> None:
    fields: dict[str, Any] = {field: value}
    request = export_request(make_span(), make_span(**fields))

    with pytest.raises(otlp.InvalidExport) as caught:
        otlp.span_writes(request)

    assert caught.value.status_code == 400
    assert caught.value.detail.startswith(f"resourceSpans[0].scopeSpans[0].spans[1]: {message}")


@pytest.mark.parametrize(
    ("trace", "span", "message"),
    [
        (b"\xab", b"\x01" * 8, "links[1].traceId must be 16 bytes (32 hex digits), not 1"),
        (b"\x01" * 16, b"", "links[1].spanId must be 8 bytes (16 hex digits), not 0"),
    ],
)
def test_a_link_of_bad_ids_is_refused(trace: bytes, span: bytes, message: str) -> None:
    bad = make_span()
    bad.links.add(trace_id=trace_id(), span_id=span_id())
    bad.links.add(trace_id=trace, span_id=span)

    with pytest.raises(otlp.InvalidExport) as caught:
        otlp.span_writes(export_request(make_span(), bad))

    assert caught.value.detail == f"resourceSpans[0].scopeSpans[0].spans[1]: {message}"


def test_a_link_to_an_invalid_context_is_kept() -> None:
    # OpenTelemetry records such a link when it has attributes: all-zero ids, of full length.
    span = make_span()
    link = span.links.add(trace_id=bytes(16), span_id=bytes(8))
    link.attributes.add(key="why").value.string_value = "batch"

    (write,) = writes(export_request(span))

    assert otel(write)["links"] == [
        {"trace_id": "0" * 32, "span_id": "0" * 16, "attributes": {"why": "batch"}}
    ]


def test_timestamps_are_utc_to_the_microsecond() -> None:
    write = one(start=START_NS, end=END_NS)

    assert write.start_timestamp == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert write.end_timestamp == datetime(2026, 1, 1, 0, 0, 1, 623456, tzinfo=UTC)


def test_a_span_without_an_end_is_in_progress() -> None:
    assert one(end=0).end_timestamp is None


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(0, END_NS, "startTimeUnixNano is missing"), (END_NS, START_NS, "is before")],
)
def test_bad_timestamps_are_refused(start: int, end: int, message: str) -> None:
    with pytest.raises(otlp.InvalidExport, match=message):
        otlp.span_writes(export_request(make_span(start=start, end=end)))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (Status.STATUS_CODE_UNSET, "SUCCESS"),
        (Status.STATUS_CODE_OK, "SUCCESS"),
        (Status.STATUS_CODE_ERROR, "ERROR"),
    ],
)
def test_status(code: "Status.StatusCode.ValueType", status: str) -> None:
    assert one(status=code).status == status


def test_status_message_kind_resource_scope_and_attributes_are_metadata() -> None:
    (write,) = writes(
        export_request(
            make_span(
                "call",
                status=Status.STATUS_CODE_ERROR,
                message="boom",
                kind=Span.SPAN_KIND_CLIENT,
                attributes={"http.method": "GET", "gen_ai.request.model": "gpt-4o"},
            ),
            resource={"service.name": "shop", "deployment.environment": "prod"},
            scope="my.instrumentation",
        )
    )

    assert write.name == "call"
    assert write.metadata == {
        "service.name": "shop",  # on top too, so `extra_metadata` can filter on it
        "otel": {
            "attributes": {"http.method": "GET", "gen_ai.request.model": "gpt-4o"},
            "resource": {"service.name": "shop", "deployment.environment": "prod"},
            "scope": {"name": "my.instrumentation", "version": "1.0"},
            "kind": "CLIENT",
            "status_message": "boom",
        },
    }


def test_the_scopes_attributes_are_kept() -> None:
    request = export_request(make_span("call"))
    scope = request.resource_spans[0].scope_spans[0].scope
    scope.attributes.add(key="scope.attr", value=AnyValue(string_value="important"))
    (write,) = writes(request)
    assert write.metadata["otel"]["scope"] == {
        "name": "tests.otlp",
        "version": "1.0",
        "attributes": {"scope.attr": "important"},
    }


def test_without_a_service_name_everything_is_under_otel() -> None:
    (write,) = writes(export_request(make_span(), resource={}))

    assert list(write.metadata) == ["otel"]
    assert otel(write)["resource"] == {}


def test_events_and_links_are_metadata() -> None:
    span = make_span()
    event = span.events.add(time_unix_nano=START_NS, name="retry")
    event.attributes.add(key="attempt").value.int_value = 2
    linked_trace, linked_span = trace_id(), span_id()
    span.links.add(trace_id=linked_trace, span_id=linked_span)
    (write,) = writes(export_request(span))

    assert otel(write)["events"] == [
        {"name": "retry", "time": "2026-01-01T00:00:00.123456Z", "attributes": {"attempt": 2}}
    ]
    assert otel(write)["links"] == [
        {"trace_id": linked_trace.hex(), "span_id": linked_span.hex(), "attributes": {}}
    ]


def test_every_kind_of_attribute_value() -> None:
    attributes = {
        "s": "text",
        "b": True,
        "i": -(2**63),
        "d": 0.25,
        "raw": b"\x00\xffbytes",
        "list": ["a", 1, False, [2.5]],
        "map": {"inner": {"deep": "x"}, "n": 3},
        "empty": None,
        "empty_text": "",
    }

    assert otel(one(attributes))["attributes"] == {
        "s": "text",
        "b": True,
        "i": -(2**63),
        "d": 0.25,
        "raw": "AP9ieXRlcw==",
        "list": ["a", 1, False, [2.5]],
        "map": {"inner": {"deep": "x"}, "n": 3},
        "empty": None,
        "empty_text": "",
    }


def test_non_finite_doubles_are_named_as_protobuf_json_names_them() -> None:
    attributes = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
    request = export_request(make_span(attributes=attributes))
    (write,) = otlp.span_writes(request)  # (NaN is no JSON number: protobuf only)

    assert otel(write)["attributes"] == {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


@pytest.mark.parametrize("where", ["name", "key", "value"])
def test_a_nul_character_is_refused(where: str) -> None:
    text = "a\x00b"
    span = make_span(
        name=text if where == "name" else "n",
        attributes={text if where == "key" else "k": text if where == "value" else "v"},
    )

    with pytest.raises(otlp.InvalidExport, match="NUL"):
        otlp.span_writes(export_request(span))


@pytest.mark.parametrize(
    ("resource", "scope", "where"),
    [
        ({"service.name": "a\x00"}, "s", "resourceSpans[0].resource"),
        ({}, "a\x00", "resourceSpans[0].scopeSpans[0].scope"),
    ],
)
def test_a_nul_character_in_the_resource_or_scope_is_refused(
    resource: dict[str, Any], scope: str, where: str
) -> None:
    with pytest.raises(otlp.InvalidExport) as caught:
        otlp.span_writes(export_request(make_span(), resource=resource, scope=scope))

    assert caught.value.detail.startswith(f"{where}: the NUL character")


def test_span_loc_names_a_span_by_its_place_in_the_request() -> None:
    request = export_request(make_span(), make_span())
    request.resource_spans[0].scope_spans.add().spans.extend([make_span(), make_span()])
    request.resource_spans.add().scope_spans.add().spans.append(make_span())

    places = otlp.span_places(request)
    where = ["body", "resourceSpans", 0, "scopeSpans", 0, "spans", 1, "parentSpanId"]
    assert otlp.span_loc(places, 1, "parent_id") == where
    assert otlp.span_loc(places, 3, "name")[2:] == [0, "scopeSpans", 1, "spans", 1, "name"]
    assert otlp.span_loc(places, 4, "id")[2:] == [1, "scopeSpans", 0, "spans", 0, "spanId"]
    with pytest.raises(IndexError):
        otlp.span_loc(places, 5, "id")
