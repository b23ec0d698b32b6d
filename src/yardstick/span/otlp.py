"""OTLP/HTTP trace ingest: an export request's bytes in, `SpanWrite`s out. Pure functions.

Flow: `encoding_of()` picks protobuf or JSON from the content type (else 415), `decode()`
inflates a gzip/deflate body (bounded: a small bomb must not become gigabytes) and parses it
with the official messages, `span_writes()` maps each span, `response_body()` is the success
answer in the request's encoding. OTLP/JSON spells ids in hex where protobuf's JSON mapping
expects base64, so they are rewritten before `json_format` sees them.

Ids: the Yardstick `trace_id` is the OTel trace id as a UUID (`uuid.UUID(hex=trace_id)`), and
`id` is `uuid5(SPAN_NAMESPACE, trace hex + span hex)`, the parent's likewise: re-sending a span
upserts it, and a reader can compute either from the OTel ids (`obs_trace_id`/`obs_span_id`
keep those as lowercase hex).

Failure modes: any problem with any span (ids of the wrong length or all zero, no start time,
an end before the start, a NUL character) is an `InvalidExport` (400) naming the span by its
OTLP/JSON path, and the whole request is refused: a batch is stored all or nothing.
"""

import hashlib
import math
import re
import uuid
import zlib
from base64 import b64encode
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import orjson
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from yardstick.errors import AppError, BadRequest, PayloadTooLarge
from yardstick.kit.responses import format_ts
from yardstick.span.otlp_conventions import Conventions
from yardstick.span.records import SpanWrite

Encoding = Literal["protobuf", "json"]
MEDIA_TYPES: dict[Encoding, str] = {
    "protobuf": "application/x-protobuf",
    "json": "application/json",
}
# Fixed forever: every stored OTLP span's `id` is derived with it.
SPAN_NAMESPACE = uuid.UUID("5f2b0c1e-7d4a-4e8b-9c3f-0a6d2e9b4c71")
_NAMESPACE_BYTES = SPAN_NAMESPACE.bytes


class InvalidExport(BadRequest):
    """The body is not an OTLP export request we can store: nothing of it is."""


class UnsupportedMediaType(AppError):
    status_code = 415


_CONTENT_TYPES: dict[str, Encoding] = {
    "application/x-protobuf": "protobuf",
    "application/protobuf": "protobuf",
    "application/json": "json",
}
# Content-Encoding → zlib's wbits: gzip's header and trailer, or HTTP's zlib-wrapped deflate.
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


def encoding_of(content_type: str | None) -> Encoding:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    encoding = _CONTENT_TYPES.get(media)
    if encoding is None:
        raise UnsupportedMediaType(
            f"content type {media or '(none)'!r} is not OTLP/HTTP: send application/x-protobuf "
            "or application/json"
        )
    return encoding


# The longest parser message an error answer quotes.
MAX_MESSAGE = 500


def decode(
    body: bytes, encoding: Encoding, content_encoding: str | None, *, max_bytes: int
) -> ExportTraceServiceRequest:
    """The export request in `body`; 400, 413 or 415 when it cannot be read."""
    coding = (content_encoding or "").strip().lower()
    if coding not in ("", "identity"):
        body = _inflate(body, coding, max_bytes)
    if encoding == "protobuf":
        try:
            return ExportTraceServiceRequest.FromString(body)
        except DecodeError as exc:
            raise InvalidExport(f"the body is not an OTLP protobuf export request: {exc}") from None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidExport(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidExport("the body is not an OTLP JSON export request: not an object")
    try:
        _check_messages(document)
        _ids_to_base64(document)
        # Unknown fields are ignored, as OTLP/JSON requires of receivers.
        return json_format.ParseDict(
            document, ExportTraceServiceRequest(), ignore_unknown_fields=True
        )
    except json_format.ParseError as exc:
        raise InvalidExport(f"the body is not an OTLP JSON export request: {_cut(exc)}") from None
    except RecursionError:  # orjson reads 1,024 levels; protobuf's walk gives up sooner
        raise InvalidExport(
            "the body is not an OTLP JSON export request: nested too deeply"
        ) from None


def _cut(exc: Exception) -> str:
    """An error's message, at most MAX_MESSAGE characters: protobuf's quote the value they
    refused, which may be the whole body."""
    message = str(exc)
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…"


def _inflate(body: bytes, coding: str, max_bytes: int) -> bytes:
    """The body inflated, at most `max_bytes` of it. A gzip body may be several members one
    after the other (RFC 1952), each inflated in turn, and end in zero bytes of padding, as
    the `gzip` tool reads it; any other bytes after the stream are a 400, not left unread."""
    wbits = _WBITS.get(coding)
    if wbits is None:
        raise UnsupportedMediaType(
            f"content encoding {coding!r} is not supported: send gzip, deflate or none"
        )
    parts: list[bytes] = []
    size, rest = 0, body
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            part = inflater.decompress(rest, max_bytes + 1 - size)
        except zlib.error as exc:
            raise InvalidExport(f"the body is not valid {coding}: {exc}") from None
        size += len(part)
        if size > max_bytes:
            raise PayloadTooLarge(f"request body is larger than {max_bytes} bytes once inflated")
        if not inflater.eof:
            raise InvalidExport(f"the {coding} body is truncated")
        parts.append(part)
        rest = inflater.unused_data
        if not rest.strip(b"\0"):
            return b"".join(parts)
        if wbits != _WBITS["gzip"]:
            raise InvalidExport(f"the body has bytes after its {coding} stream")


def _check_messages(document: dict[str, Any]) -> None:
    """InvalidExport where a field that holds a message (an object, or a list of objects when
    repeated) holds anything else. `json_format` reads a string or a list there as a run of
    unknown field names and, told to ignore unknown fields, as an empty message: an attribute
    `{"key": "model", "value": "gpt-4o"}` was stored as null."""
    stack: list[tuple[dict[str, Any], Descriptor, str]] = [
        (document, ExportTraceServiceRequest.DESCRIPTOR, "")
    ]
    while stack:
        node, descriptor, where = stack.pop()
        for key, value in node.items():
            field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(
                key
            )
            if field is None or field.message_type is None or value is None:
                continue  # unknown, a scalar (json_format checks those), or unset
            path = f"{where}.{key}" if where else key
            if not field.is_repeated:
                items = [(path, value)]
            elif isinstance(value, list):
                items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
            else:
                raise InvalidExport(f"{path}: must be a list")
            for place, item in items:
                if not isinstance(item, dict):
                    raise InvalidExport(f"{place}: must be an object, not {_json_type(item)}")
                stack.append((item, field.message_type, place))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else "a list"


_HEX = re.compile(r"[0-9a-fA-F]*")
_ID_FIELDS = ("traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id")


def _ids_to_base64(document: dict[str, Any]) -> None:
    """Rewrite the hex ids of spans and links in place as the base64 `json_format` reads.
    Values of the wrong type are left for `json_format` to refuse."""
    for r, resource_spans in enumerate(_objects(document, "resourceSpans", "resource_spans")):
        for s, scope_spans in enumerate(_objects(resource_spans, "scopeSpans", "scope_spans")):
            for i, span in enumerate(_objects(scope_spans, "spans")):
                where = f"resourceSpans[{r}].scopeSpans[{s}].spans[{i}]"
                _rewrite_ids(span, where)
                for j, link in enumerate(_objects(span, "links")):
                    _rewrite_ids(link, f"{where}.links[{j}]")


def _objects(parent: Mapping[str, Any], *keys: str) -> Iterable[dict[str, Any]]:
    for key in keys:
        children = parent.get(key)
        if isinstance(children, list):
            return [child for child in children if isinstance(child, dict)]
    return []


def _rewrite_ids(node: dict[str, Any], where: str) -> None:
    for key in _ID_FIELDS:
        value = node.get(key)
        if isinstance(value, str):
            if len(value) % 2 or not _HEX.fullmatch(value):
                raise InvalidExport(f"{where}.{key}: {value[:40]!r} is not a hexadecimal id")
            node[key] = b64encode(bytes.fromhex(value)).decode()


def response_body(encoding: Encoding) -> bytes:
    """The success answer: an empty `ExportTraceServiceResponse` (no partial success: a
    request is stored whole or refused)."""
    return _RESPONSES[encoding]


_RESPONSES: dict[Encoding, bytes] = {
    "protobuf": ExportTraceServiceResponse().SerializeToString(),
    "json": json_format.MessageToJson(ExportTraceServiceResponse(), indent=None).encode(),
}


class _Invalid(ValueError):
    """A problem with one span; `span_writes` adds where the span is."""


def span_writes(request: ExportTraceServiceRequest) -> list[SpanWrite]:
    writes: list[SpanWrite] = []
    # Where the loop is, for an error's message: formatted only then.
    r = s = i = -1
    try:
        for r, resource_spans in enumerate(request.resource_spans):
            s = i = -1
            resource = _attributes(resource_spans.resource.attributes)
            for s, scope_spans in enumerate(resource_spans.scope_spans):
                i = -1
                scope: dict[str, Any] = {
                    "name": _text(scope_spans.scope.name),
                    "version": _text(scope_spans.scope.version),
                }
                if scope_spans.scope.attributes:
                    scope["attributes"] = _attributes(scope_spans.scope.attributes)
                for i, span in enumerate(scope_spans.spans):
                    writes.append(_span_write(span, resource, scope))
    except _Invalid as exc:
        where = f"resourceSpans[{r}]" + (
            ".resource" if s < 0 else f".scopeSpans[{s}]" + (".scope" if i < 0 else f".spans[{i}]")
        )
        raise InvalidExport(f"{where}: {exc}") from None
    return writes


# A SpanWrite's fields as OTLP names them, for the span service's errors.
_OTLP_FIELDS = {
    "id": "spanId",
    "trace_id": "traceId",
    "parent_id": "parentSpanId",
    "start_timestamp": "startTimeUnixNano",
    "end_timestamp": "endTimeUnixNano",
}


# Where the spans of an export request are: (resource, scope, spans) for each scope's list, in
# the order `span_writes` reads them. What an error needs of the request, and it pickles.
SpanPlaces = tuple[tuple[int, int, int], ...]


def span_places(request: ExportTraceServiceRequest) -> SpanPlaces:
    """The request's SpanPlaces."""
    return tuple(
        (r, s, len(scope_spans.spans))
        for r, resource_spans in enumerate(request.resource_spans)
        for s, scope_spans in enumerate(resource_spans.scope_spans)
    )


def span_loc(places: SpanPlaces, index: int, field: str) -> list[str | int]:
    """Where the `index`th span of `span_writes(request)` is, as an error's `loc`:
    `["body", "resourceSpans", 0, "scopeSpans", 1, "spans", 7, "parentSpanId"]`."""
    for r, s, count in places:
        if index < count:
            otlp_field = _OTLP_FIELDS.get(field, field)
            return ["body", "resourceSpans", r, "scopeSpans", s, "spans", index, otlp_field]
        index -= count
    raise IndexError("the request has fewer spans")


_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KINDS = dict(enumerate(("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")))
_ERROR = Status.STATUS_CODE_ERROR


def _span_write(span: Span, resource: dict[str, Any], scope: dict[str, Any]) -> SpanWrite:
    trace_hex = _id(span.trace_id, _ZERO_TRACE, "traceId")
    span_hex = _id(span.span_id, _ZERO_SPAN, "spanId")
    parent_hex = (
        _id(span.parent_span_id, _ZERO_SPAN, "parentSpanId") if span.parent_span_id else None
    )
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if not start:
        raise _Invalid("startTimeUnixNano is missing")
    if end and end < start:
        raise _Invalid(f"endTimeUnixNano ({end}) is before startTimeUnixNano ({start})")
    attributes = _attributes(span.attributes)
    conventions = Conventions(attributes, is_root=parent_hex is None)
    otel: dict[str, Any] = {
        "attributes": attributes,  # what the conventions did not move into input and output
        "resource": resource,
        "scope": scope,
        "kind": _KINDS.get(span.kind) or str(span.kind),
    }
    status = span.status
    if status.message:
        otel["status_message"] = _text(status.message)
    if span.events:
        otel["events"] = [
            {
                "name": _text(event.name),
                "time": format_ts(_timestamp(event.time_unix_nano)),
                "attributes": _attributes(event.attributes),
            }
            for event in span.events
        ]
    if span.links:
        otel["links"] = [
            {
                # All zeros stay: OpenTelemetry records a link to an invalid context when it
                # has attributes.
                "trace_id": _id(link.trace_id, _ZERO_TRACE, f"links[{j}].traceId", zeros=True),
                "span_id": _id(link.span_id, _ZERO_SPAN, f"links[{j}].spanId", zeros=True),
                "attributes": _attributes(link.attributes),
            }
            for j, link in enumerate(span.links)
        ]
    return SpanWrite(
        id=span_uuid(trace_hex, span_hex),
        trace_id=trace_uuid(trace_hex),
        parent_id=span_uuid(trace_hex, parent_hex) if parent_hex else None,
        name=_text(span.name),
        start_timestamp=_timestamp(start),
        end_timestamp=_timestamp(end) if end else None,
        input=conventions.input,
        output=conventions.output,
        metadata=_metadata(otel, resource),
        status="ERROR" if status.code == _ERROR else "SUCCESS",
        type=conventions.type,
        obs_trace_id=trace_hex,
        obs_span_id=span_hex,
        input_tokens=conventions.input_tokens,
        output_tokens=conventions.output_tokens,
    )


def _metadata(otel: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    # `service.name` on top as well: scalars at the top of the metadata can be filtered on
    # (`extra_metadata`), and the service is what spans are most often picked by. Only it:
    # each such key is one more index row for every span.
    service = resource.get("service.name")
    if service is None:
        return {"otel": otel}
    return {"service.name": service, "otel": otel}


def trace_uuid(trace_hex: str) -> str:
    """The Yardstick `trace_id` of an OTel trace id (32 hex digits)."""
    h = trace_hex
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=8192)  # a parent's id is its children's `parent_id`: computed once a batch
def span_uuid(trace_hex: str, span_hex: str) -> str:
    """The Yardstick span `id` of an OTel span: OTel span ids are only unique in their trace."""
    # uuid.uuid5, without building a UUID object: a third of the time.
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + (trace_hex + span_hex).encode()).digest())
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # RFC 4122 variant
    return trace_uuid(digest[:16].hex())


def _id(raw: bytes, zero: bytes, name: str, *, zeros: bool = False) -> str:
    if len(raw) != len(zero):
        raise _Invalid(
            f"{name} must be {len(zero)} bytes ({2 * len(zero)} hex digits), not {len(raw)}"
        )
    if raw == zero and not zeros:
        raise _Invalid(f"{name} is all zeros, which OpenTelemetry defines as invalid")
    return raw.hex()


def _timestamp(unix_nano: int) -> datetime:
    # Integer arithmetic: a float of nanoseconds since 1970 cannot hold every microsecond.
    return _EPOCH + timedelta(microseconds=unix_nano // 1000)


def _text(value: str) -> str:
    if "\x00" in value:
        raise _Invalid("the NUL character (\\u0000) is not allowed in text")
    return value


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    attributes = {}
    for pair in pairs:
        key, value = pair.key, pair.value
        # Most values are non-empty strings: read as one first, a fifth faster than the oneof.
        text = value.string_value
        if text and "\x00" not in text and "\x00" not in key:
            attributes[key] = text
        else:
            attributes[_text(key)] = _value(value)
    return attributes


def _value(value: AnyValue) -> Any:
    """An AnyValue as JSON: bytes as base64, non-finite doubles as protobuf's JSON names them."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return _text(value.string_value)
    if kind == "int_value":
        return value.int_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "double_value":
        number = value.double_value
        if math.isfinite(number):
            return number
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return b64encode(value.bytes_value).decode()
    return None
