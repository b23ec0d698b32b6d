"""Reading OTLP/HTTP bodies (yardstick.span.otlp): content types, compression, protobuf and
OTLP/JSON with its hex ids, and the answer. Without a server."""

import gzip
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from tests.span.otlp_requests import END_NS, MAX_BYTES, START_NS, export_request, make_span, otel
from yardstick.errors import PayloadTooLarge
from yardstick.span import otlp


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/x-protobuf", "protobuf"),
        ("application/protobuf", "protobuf"),
        ("application/json", "json"),
        ("Application/JSON; charset=utf-8", "json"),
    ],
)
def test_content_types(content_type: str, encoding: str) -> None:
    assert otlp.encoding_of(content_type) == encoding


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/grpc"])
def test_other_content_types_are_415(content_type: str | None) -> None:
    with pytest.raises(otlp.UnsupportedMediaType) as caught:
        otlp.encoding_of(content_type)

    assert caught.value.status_code == 415


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("GZIP", gzip.compress), ("deflate", zlib.compress)],
)
def test_compressed_bodies(coding: str, compress: Any) -> None:
    request = export_request(make_span("zipped"))
    body = compress(request.SerializeToString())

    (write,) = otlp.span_writes(otlp.decode(body, "protobuf", coding, max_bytes=MAX_BYTES))

    assert write.name == "zipped"


def test_compression_problems() -> None:
    body = gzip.compress(export_request(make_span()).SerializeToString())

    with pytest.raises(otlp.InvalidExport, match="truncated"):
        otlp.decode(body[:-12], "protobuf", "gzip", max_bytes=MAX_BYTES)
    with pytest.raises(otlp.InvalidExport, match="not valid gzip"):
        otlp.decode(b"not gzip", "protobuf", "gzip", max_bytes=MAX_BYTES)
    with pytest.raises(otlp.UnsupportedMediaType, match="br"):
        otlp.decode(body, "protobuf", "br", max_bytes=MAX_BYTES)
    # A small body that inflates past the limit is refused without inflating all of it.
    bomb = gzip.compress(b"\x00" * (50 * MAX_BYTES))
    with pytest.raises(PayloadTooLarge):
        otlp.decode(bomb, "protobuf", "gzip", max_bytes=MAX_BYTES)


def test_a_gzip_body_of_several_members_is_read_whole() -> None:
    # Two requests' bytes one after the other are one request holding both spans (protobuf
    # merges repeated fields), and gzip may compress them as two members (RFC 1952).
    first = export_request(make_span("first")).SerializeToString()
    second = export_request(make_span("second")).SerializeToString()
    body = gzip.compress(first) + gzip.compress(second) + b"\x00" * 8  # padded, as gzip allows

    writes = otlp.span_writes(otlp.decode(body, "protobuf", "gzip", max_bytes=MAX_BYTES))

    assert [write.name for write in writes] == ["first", "second"]
    # The limit holds across the members.
    with pytest.raises(PayloadTooLarge):
        otlp.decode(body, "protobuf", "gzip", max_bytes=len(first) + len(second) - 1)


@pytest.mark.parametrize(
    ("coding", "compress", "message"),
    [
        ("gzip", gzip.compress, "not valid gzip"),
        ("deflate", zlib.compress, "bytes after its deflate stream"),
    ],
)
def test_bytes_after_the_compressed_stream_are_refused(
    coding: str, compress: Any, message: str
) -> None:
    body = compress(export_request(make_span()).SerializeToString()) + b"GARBAGE"

    with pytest.raises(otlp.InvalidExport, match=message):
        otlp.decode(body, "protobuf", coding, max_bytes=MAX_BYTES)


@pytest.mark.parametrize(
    "body", [b"\x0a\x05\x0a", b"\xff\xff\xff\xff", b'{"resourceSpans": []}', b"\x0a\x02\xff\xfe"]
)
def test_bodies_that_are_not_protobuf(body: bytes) -> None:
    with pytest.raises(otlp.InvalidExport, match="not an OTLP protobuf export request"):
        otlp.decode(body, "protobuf", None, max_bytes=MAX_BYTES)


def test_a_truncated_protobuf_request() -> None:
    body = export_request(make_span(), make_span()).SerializeToString()

    with pytest.raises(otlp.InvalidExport):
        otlp.decode(body[: len(body) // 2], "protobuf", None, max_bytes=MAX_BYTES)


def test_an_empty_body_is_an_empty_export() -> None:
    assert otlp.span_writes(otlp.decode(b"", "protobuf", None, max_bytes=MAX_BYTES)) == []
    assert otlp.span_writes(otlp.decode(b"{}", "json", None, max_bytes=MAX_BYTES)) == []


def _json_span(**fields: Any) -> bytes:
    span = {
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "EEE19B7EC3C1B174",
        "name": "json",
        "kind": 3,
        "startTimeUnixNano": str(START_NS),
        "endTimeUnixNano": END_NS,
        **fields,
    }
    return orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})


def test_json_ids_are_hex_in_either_case_and_unknown_fields_are_ignored() -> None:
    body = _json_span(parentSpanId="", future_field={"x": 1})

    (write,) = otlp.span_writes(otlp.decode(body, "json", None, max_bytes=MAX_BYTES))

    assert write.obs_trace_id == "5b8efff798038103d269b633813fc60c"
    assert write.obs_span_id == "eee19b7ec3c1b174"
    assert write.parent_id is None
    assert otel(write)["kind"] == "CLIENT"
    assert write.end_timestamp == datetime(2026, 1, 1, 0, 0, 1, 623456, tzinfo=UTC)


def test_json_field_names_may_be_the_proto_names() -> None:
    body = orjson.dumps(
        {
            "resource_spans": [
                {
                    "scope_spans": [
                        {
                            "spans": [
                                {
                                    "trace_id": "5b8efff798038103d269b633813fc60c",
                                    "span_id": "eee19b7ec3c1b174",
                                    "name": "snake",
                                    "start_time_unix_nano": START_NS,
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    )

    (write,) = otlp.span_writes(otlp.decode(body, "json", None, max_bytes=MAX_BYTES))

    assert (write.name, write.obs_span_id) == ("snake", "eee19b7ec3c1b174")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_json_span(traceId="zz" * 16), "spans[0].traceId: 'zzzz"),
        (_json_span(spanId="abc"), "spans[0].spanId: 'abc' is not a hexadecimal id"),
        (_json_span(traceId="W46/95gDgQPSabYzgT/GDA=="), "is not a hexadecimal id"),  # base64
        (_json_span(traceId="5b8e"), "traceId must be 16 bytes"),
        (_json_span(traceId=""), "traceId must be 16 bytes"),
        (_json_span(name=7), "not an OTLP JSON export request"),
        (_json_span(startTimeUnixNano="soon"), "not an OTLP JSON export request"),
        (b'{"resourceSpans": {}}', "resourceSpans: must be a list"),
        # Where a message goes, json_format read a string or a list as an empty message.
        (
            _json_span(attributes=[{"key": "model", "value": "gpt-4o"}]),
            "spans[0].attributes[0].value: must be an object, not a string",
        ),
        (_json_span(status=[]), "spans[0].status: must be an object, not a list"),
        (b'{"resourceSpans": [{"resource": "r"}]}', "resourceSpans[0].resource: must be an object"),
        (b'{"resourceSpans": [7]}', "resourceSpans[0]: must be an object, not a number"),
        (b"[1]", "not an object"),
        (b'{"resourceSpans": [', "not valid JSON"),
        # Deep enough for protobuf's walk to give up (a RecursionError, a 500), not orjson;
        # refused now before that walk, where a message should be.
        (b'{"resourceSpans":' + b"[" * 1000 + b"]" * 1000 + b"}", "must be an object, not a list"),
    ],
)
def test_bad_json(body: bytes, message: str) -> None:
    with pytest.raises(otlp.InvalidExport, match=message.replace("[", r"\[")):
        otlp.span_writes(otlp.decode(body, "json", None, max_bytes=MAX_BYTES))


def test_a_refusal_quotes_at_most_a_little_of_the_body() -> None:
    body = orjson.dumps({"resourceSpans": "x" * 1_000_000})
    with pytest.raises(otlp.InvalidExport) as refused:
        otlp.decode(body, "json", None, max_bytes=MAX_BYTES)
    assert len(str(refused.value)) < 600


def test_the_response_is_an_empty_export_response_in_the_request_encoding() -> None:
    assert ExportTraceServiceResponse.FromString(otlp.response_body("protobuf")) == (
        ExportTraceServiceResponse()
    )
    assert orjson.loads(otlp.response_body("json")) == {}
