"""`POST /v1/traces` over real HTTP, on both databases: the OpenTelemetry SDK's own exporter,
hand-made protobuf and JSON bodies, and every way a request is refused (with nothing stored)."""

import gzip
import os
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Status
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, StatusCode

from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server
from tests.openapi.shapes import Shapes
from tests.span.otlp_requests import export_request, make_span, span_id, to_json, trace_id
from yardstick.span.otlp import span_uuid, trace_uuid

PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}


def auth(server: Server, account: str = ACCOUNT_A) -> dict[str, str]:
    return {"x-api-key": server.keys[account], "x-selected-account-id": account}


@pytest.fixture
def other_http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP as account B: must never see account A's spans."""
    with httpx.Client(base_url=server.base_url, headers=auth(server, ACCOUNT_B), timeout=60) as c:
        yield c


def ids(context: SpanContext | None) -> tuple[str, str]:
    """(trace hex, span hex) of an SDK span."""
    assert context is not None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def stored(http: httpx.Client, trace_hex: str, span_hex: str) -> dict[str, Any]:
    response = http.get(f"/v5/spans/{span_uuid(trace_hex, span_hex)}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def absent(http: httpx.Client, trace_hex: str, span_hex: str) -> None:
    response = http.get(f"/v5/spans/{span_uuid(trace_hex, span_hex)}")
    assert response.status_code == 404, response.text


def of_trace(http: httpx.Client, trace_hex: str) -> list[dict[str, Any]]:
    response = http.post(
        "/v5/spans/search", params={"limit": 10000}, json={"obs_trace_ids": [trace_hex]}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# The OpenTelemetry SDK's exporter --------------------------------------------------------------


def test_the_sdk_exporter_sends_a_genai_trace(server: Server, http: httpx.Client) -> None:
    exporter = OTLPSpanExporter(endpoint=f"{server.base_url}/v1/traces", headers=auth(server))
    provider = TracerProvider(resource=Resource.create({"service.name": "chatbot"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.otlp.sdk", "2.0")
    with tracer.start_as_current_span("answer") as root:
        with tracer.start_as_current_span("chat gpt-4o") as chat:
            chat.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.input_tokens": 21,
                    "gen_ai.usage.output_tokens": 4,
                    "gen_ai.prompt.0.role": "user",
                    "gen_ai.prompt.0.content": "What is 2+2?",
                    "gen_ai.completion.0.role": "assistant",
                    "gen_ai.completion.0.content": "4",
                }
            )
        root.set_status(StatusCode.ERROR, "the user left")
    assert provider.force_flush(30_000)
    provider.shutdown()

    trace_hex, root_hex = ids(root.get_span_context())
    _, chat_hex = ids(chat.get_span_context())
    root_span, chat_span = stored(http, trace_hex, root_hex), stored(http, trace_hex, chat_hex)
    assert chat_span["trace_id"] == root_span["trace_id"] == trace_uuid(trace_hex)
    assert chat_span["parent_id"] == root_span["id"] and root_span["parent_id"] is None
    assert (chat_span["obs_trace_id"], chat_span["obs_span_id"]) == (trace_hex, chat_hex)
    assert (root_span["type"], root_span["status"]) == ("TRACER", "ERROR")
    assert (chat_span["type"], chat_span["status"]) == ("COMPLETION", "SUCCESS")
    assert chat_span["name"] == "chat gpt-4o"
    assert chat_span["input"] == {"messages": [{"role": "user", "content": "What is 2+2?"}]}
    assert chat_span["output"] == {"messages": [{"role": "assistant", "content": "4"}]}
    assert (chat_span["input_tokens"], chat_span["output_tokens"]) == (21, 4)
    assert chat_span["metadata"]["service.name"] == "chatbot"
    otel = chat_span["metadata"]["otel"]
    assert otel["scope"] == {"name": "tests.otlp.sdk", "version": "2.0"}
    assert otel["attributes"]["gen_ai.request.model"] == "gpt-4o"
    assert root_span["metadata"]["otel"]["status_message"] == "the user left"
    assert chat_span["start_timestamp"] >= root_span["start_timestamp"]
    assert chat_span["end_timestamp"] <= root_span["end_timestamp"]


def _finished_spans(count: int) -> list[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests.otlp")
    for index in range(count):
        with tracer.start_as_current_span(f"span {index}"):
            pass
    return list(memory.get_finished_spans())


@pytest.mark.parametrize("compression", [Compression.Gzip, Compression.Deflate])
def test_the_sdk_exporter_compressed(
    server: Server, http: httpx.Client, compression: Compression
) -> None:
    spans = _finished_spans(3)
    exporter = OTLPSpanExporter(
        endpoint=f"{server.base_url}/v1/traces", headers=auth(server), compression=compression
    )

    assert exporter.export(spans) is SpanExportResult.SUCCESS

    for span in spans:
        assert stored(http, *ids(span.context))["name"] == span.name


def test_the_sdk_exporter_configured_by_the_environment(
    server: Server, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{server.base_url}/v1/traces")
    headers = f"x-api-key={server.keys[ACCOUNT_A]},x-selected-account-id={ACCOUNT_A}"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", headers)
    (span,) = _finished_spans(1)

    assert OTLPSpanExporter().export([span]) is SpanExportResult.SUCCESS
    assert stored(http, *ids(span.context))["name"] == "span 0"


def test_the_sdk_exporter_with_a_wrong_key_fails(server: Server, http: httpx.Client) -> None:
    (span,) = _finished_spans(1)
    exporter = OTLPSpanExporter(
        endpoint=f"{server.base_url}/v1/traces",
        headers={"x-api-key": "wrong", "x-selected-account-id": ACCOUNT_A},
    )

    assert exporter.export([span]) is SpanExportResult.FAILURE
    absent(http, *ids(span.context))


# Hand-made bodies ------------------------------------------------------------------------------


def test_protobuf_answers_protobuf(http: httpx.Client) -> None:
    span = make_span("by hand", attributes={"openinference.span.kind": "RETRIEVER"})
    response = http.post(
        "/v1/traces", content=export_request(span).SerializeToString(), headers=PROTOBUF
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    assert ExportTraceServiceResponse.FromString(response.content) == ExportTraceServiceResponse()
    assert stored(http, span.trace_id.hex(), span.span_id.hex())["type"] == "KB_RETRIEVAL"


@pytest.mark.parametrize("gzipped", [False, True])
def test_json_answers_json(http: httpx.Client, gzipped: bool) -> None:
    span = make_span("json", attributes={"input.value": "question"})
    body = to_json(export_request(span))
    headers = {**JSON, "content-encoding": "gzip"} if gzipped else JSON
    response = http.post(
        "/v1/traces", content=gzip.compress(body) if gzipped else body, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {}
    assert stored(http, span.trace_id.hex(), span.span_id.hex())["input"] == {"value": "question"}


def test_sending_a_span_again_upserts_it(http: httpx.Client) -> None:
    trace, span = trace_id(), span_id()
    in_progress = export_request(make_span("working", trace=trace, span=span, end=0))
    done = export_request(make_span("done", trace=trace, span=span))

    for request in (in_progress, done, in_progress):
        response = http.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)
        assert response.status_code == 200, response.text

    (only,) = of_trace(http, trace.hex())
    assert only["name"] == "done"  # a completed span is never replaced by an in-progress one
    assert only["end_timestamp"] is not None


def test_credentials_in_a_span_name_are_redacted(http: httpx.Client) -> None:
    """docs/otlp.md: credential-shaped values anywhere in a span; the name was once missed."""
    span = make_span("call sk-proj-" + "A" * 30, attributes={"note": "key:\nAKIAABCDEFGHIJKLMNOP"})

    response = http.post(
        "/v1/traces", content=export_request(span).SerializeToString(), headers=PROTOBUF
    )

    assert response.status_code == 200, response.text
    got = stored(http, span.trace_id.hex(), span.span_id.hex())
    assert got["name"] == "call [REDACTED:credential]"
    assert got["metadata"]["otel"]["attributes"]["note"] == "key:\n[REDACTED:credential]"


@pytest.mark.parametrize("gzipped", [False, True])
def test_more_spans_than_one_service_write_takes(http: httpx.Client, gzipped: bool) -> None:
    """1,501 spans of ~300 B: a body past the size decoded on the event loop (256 KB, or 32 KB
    compressed), so it is decoded in the thread pool."""
    trace, root = trace_id(), span_id()
    spans = [make_span("root", trace=trace, span=root)]
    spans += [
        make_span(
            f"child {i}", trace=trace, parent=root, attributes={"note": os.urandom(125).hex()}
        )
        for i in range(1500)
    ]
    body = export_request(*spans).SerializeToString()
    assert len(body) > 256 * 1024
    headers = {**PROTOBUF, "content-encoding": "gzip"} if gzipped else PROTOBUF
    if gzipped:
        body = gzip.compress(body)
        assert len(body) > 32 * 1024

    response = http.post("/v1/traces", content=body, headers=headers)

    assert response.status_code == 200, response.text
    assert len(of_trace(http, trace.hex())) == 1501


# Refusals: nothing is stored -------------------------------------------------------------------


def _good_and(bad: Any) -> tuple[Any, Any]:
    """A request holding a good span and then a bad one, and the good span."""
    good = make_span("good")
    return export_request(good, bad), good


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (make_span(trace=b"\x01" * 8), "spans[1]: traceId must be 16 bytes"),
        (make_span(trace=b""), "spans[1]: traceId must be 16 bytes"),
        (make_span(span=bytes(8)), "spans[1]: spanId is all zeros"),
        (make_span(start=2, end=1), "spans[1]: endTimeUnixNano (1) is before"),
        (make_span(attributes={"k": "a\x00b"}), "spans[1]: the NUL character"),
    ],
)
def test_a_bad_span_refuses_the_whole_request(http: httpx.Client, bad: Any, message: str) -> None:
    request, good = _good_and(bad)

    response = http.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    absent(http, good.trace_id.hex(), good.span_id.hex())


def test_a_span_that_is_its_own_parent_is_refused(http: httpx.Client) -> None:
    loop = span_id()
    request, good = _good_and(make_span(span=loop, parent=loop))

    response = http.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)

    assert response.status_code == 409
    assert "resourceSpans[0].scopeSpans[0].spans[1].parentSpanId" in response.json()["detail"]
    absent(http, good.trace_id.hex(), good.span_id.hex())


def test_bad_json_ids_are_refused(http: httpx.Client) -> None:
    request, good = _good_and(make_span())
    document = orjson.loads(to_json(request))
    document["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["spanId"] = "not-hex!"

    response = http.post("/v1/traces", content=orjson.dumps(document), headers=JSON)

    assert response.status_code == 400
    assert "spans[1].spanId: 'not-hex!' is not a hexadecimal id" in response.json()["detail"]
    absent(http, good.trace_id.hex(), good.span_id.hex())


def test_a_truncated_or_garbage_protobuf_is_refused(http: httpx.Client) -> None:
    good = make_span()
    body = export_request(good, make_span()).SerializeToString()

    for content in (body[: len(body) - 10], b"\xff\xff\xff\xff"):
        response = http.post("/v1/traces", content=content, headers=PROTOBUF)
        assert response.status_code == 400
        assert "not an OTLP protobuf export request" in response.json()["detail"]
    absent(http, good.trace_id.hex(), good.span_id.hex())


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {},
        {**PROTOBUF, "content-encoding": "br"},
    ],
)
def test_unsupported_media_types_are_415(http: httpx.Client, headers: dict[str, str]) -> None:
    good = make_span()
    body = export_request(good).SerializeToString()

    response = http.post("/v1/traces", content=body, headers=headers)

    assert response.status_code == 415, response.text
    absent(http, good.trace_id.hex(), good.span_id.hex())


def test_a_bad_gzip_body_is_refused(http: httpx.Client) -> None:
    response = http.post(
        "/v1/traces", content=b"not gzip", headers={**PROTOBUF, "content-encoding": "gzip"}
    )

    assert response.status_code == 400
    assert "not valid gzip" in response.json()["detail"]


# Auth and tenancy ------------------------------------------------------------------------------


def test_without_a_key_or_with_another_account_nothing_is_stored(
    server: Server, http: httpx.Client
) -> None:
    good = make_span()
    body = export_request(good).SerializeToString()
    key_a = server.keys[ACCOUNT_A]

    for headers, status in [
        ({}, 401),
        ({"x-api-key": "wrong", "x-selected-account-id": ACCOUNT_A}, 401),
        ({"x-api-key": key_a}, 403),
        ({"x-api-key": key_a, "x-selected-account-id": ACCOUNT_B}, 403),
    ]:
        response = httpx.post(
            f"{server.base_url}/v1/traces", content=body, headers={**PROTOBUF, **headers}
        )
        assert response.status_code == status, response.text
    absent(http, good.trace_id.hex(), good.span_id.hex())


def test_another_account_does_not_see_the_spans(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    span = make_span("private", status=Status.STATUS_CODE_OK)
    body = export_request(span).SerializeToString()
    assert http.post("/v1/traces", content=body, headers=PROTOBUF).status_code == 200

    absent(other_http, span.trace_id.hex(), span.span_id.hex())
    assert of_trace(other_http, span.trace_id.hex()) == []
    assert [s["name"] for s in of_trace(http, span.trace_id.hex())] == ["private"]


def test_each_account_stores_its_own_copy_of_the_same_otel_span(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    trace, span = trace_id(), span_id()
    for client, name in ((http, "a's"), (other_http, "b's")):
        request = export_request(make_span(name, trace=trace, span=span))
        response = client.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF)
        assert response.status_code == 200, response.text

    assert stored(http, trace.hex(), span.hex())["name"] == "a's"
    assert stored(other_http, trace.hex(), span.hex())["name"] == "b's"


# The description ---------------------------------------------------------------------------------


def test_answers_match_the_published_description(server: Server, http: httpx.Client) -> None:
    shapes = Shapes(httpx.get(f"{server.base_url}/openapi.json", timeout=60).json())
    request = export_request(make_span())
    answers = [
        http.post("/v1/traces", content=request.SerializeToString(), headers=PROTOBUF),
        http.post("/v1/traces", content=to_json(request), headers=JSON),
        http.post("/v1/traces", content=b"\xff\xff", headers=PROTOBUF),
        http.post("/v1/traces", content=b"{}", headers={"content-type": "text/plain"}),
        httpx.post(f"{server.base_url}/v1/traces", content=b"", headers=PROTOBUF),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 400, 415, 401]
    for answer in answers:
        shapes.check(answer)
    assert not shapes.problems, shapes.problems
    assert shapes.answered == {"POST /v1/traces"}
