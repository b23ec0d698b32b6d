"""OTLP export requests for the ingest tests, built with the official messages, and their
mapping to span writes.

Every span gets fresh random ids unless given some, so tests sharing one server never write
over each other's spans.
"""

import base64
import os
from typing import Any

import orjson
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from yardstick.span import otlp
from yardstick.span.records import SpanWrite

MAX_BYTES = 1024 * 1024
START_NS = 1_767_225_600_123_456_789  # 2026-01-01T00:00:00.123456789Z
END_NS = START_NS + 1_500_000_000


def trace_id() -> bytes:
    return os.urandom(16)


def span_id() -> bytes:
    return os.urandom(8)


def any_value(value: Any) -> AnyValue:
    """A Python value as an AnyValue: str, bool, int, float, bytes, list, dict or None."""
    if value is None:
        return AnyValue()
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[any_value(v) for v in value]))
    return AnyValue(kvlist_value=KeyValueList(values=key_values(value)))


def key_values(attributes: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=key, value=any_value(value)) for key, value in attributes.items()]


def make_span(
    name: str = "span",
    *,
    trace: bytes | None = None,
    span: bytes | None = None,
    parent: bytes = b"",
    attributes: dict[str, Any] | None = None,
    start: int = START_NS,
    end: int = END_NS,
    status: "Status.StatusCode.ValueType" = Status.STATUS_CODE_UNSET,
    message: str = "",
    kind: "Span.SpanKind.ValueType" = Span.SPAN_KIND_INTERNAL,
) -> Span:
    return Span(
        trace_id=trace_id() if trace is None else trace,
        span_id=span_id() if span is None else span,
        parent_span_id=parent,
        name=name,
        kind=kind,
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        attributes=key_values(attributes or {}),
        status=Status(code=status, message=message),
    )


def export_request(
    *spans: Span,
    resource: dict[str, Any] | None = None,
    scope: str = "tests.otlp",
) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    resource_spans: ResourceSpans = request.resource_spans.add()
    resource_spans.resource.attributes.extend(
        key_values({"service.name": "otlp-tests"} if resource is None else resource)
    )
    scope_spans: ScopeSpans = resource_spans.scope_spans.add()
    scope_spans.scope.name = scope
    scope_spans.scope.version = "1.0"
    scope_spans.spans.extend(spans)
    return request


def to_json(request: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON, as an exporter sends it: protobuf's JSON mapping, with hex ids."""
    document = json_format.MessageToDict(request)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for node in [span, *span.get("links", [])]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in node:
                            node[key] = base64.b64decode(node[key]).hex()
    return orjson.dumps(document)


def writes(request: ExportTraceServiceRequest) -> list[SpanWrite]:
    """The request's spans, mapped from its protobuf and from its JSON: both must agree."""
    from_protobuf = otlp.span_writes(
        otlp.decode(request.SerializeToString(), "protobuf", None, max_bytes=MAX_BYTES)
    )
    from_json = otlp.span_writes(otlp.decode(to_json(request), "json", None, max_bytes=MAX_BYTES))
    assert from_json == from_protobuf
    return from_protobuf


def one(attributes: dict[str, Any] | None = None, **span: Any) -> SpanWrite:
    """The write of one span with these attributes (and `make_span`'s other arguments)."""
    (write,) = writes(export_request(make_span(attributes=attributes, **span)))
    return write


def otel(write: SpanWrite) -> dict[str, Any]:
    metadata: dict[str, Any] = write.metadata["otel"]
    return metadata
