"""`POST /v1/traces`: OpenTelemetry's OTLP/HTTP trace export, each span a Yardstick span.

Authenticated by the auth gate like `/v5` (same two headers, which exporters send through
`OTEL_EXPORTER_OTLP_TRACES_HEADERS`). The body is read and decoded (yardstick.span.otlp)
before the write session opens, so SQLite's write lock is never held while a request
uploads or parses. A request's spans are upserted in one transaction: all of them, or none.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yardstick.auth.dependencies import PrincipalDep
from yardstick.auth.service import Principal
from yardstick.config import Settings
from yardstick.db.group_commit import GroupCommit
from yardstick.span import otlp
from yardstick.span.records import SpanWrite
from yardstick.span.rules import MAX_BATCH, Locate
from yardstick.span.service import span_service

router = APIRouter(tags=["traces"])


@dataclass(slots=True)
class _Received:
    encoding: otlp.Encoding
    body: bytes


@dataclass(slots=True)
class Export:
    encoding: otlp.Encoding
    request: ExportTraceServiceRequest
    spans: list[SpanWrite]


async def _receive(request: Request) -> _Received:
    # The content type first: a body we could not read is refused before it is received.
    encoding = otlp.encoding_of(request.headers.get("content-type"))
    return _Received(encoding, await request.body())


# Bodies up to this size (an exporter's batch is typically 512 spans or fewer, a few hundred KB
# at most) are decoded on the event loop's thread: a trip to the thread pool and back costs
# ~0.1 ms of CPU, and decoding holds the GIL anyway. In the server, 50-span exports went from
# 93 to 86 µs of CPU a span (`./dev bench spans`' bodies, alternated pairs). Larger bodies go
# to the pool, so the loop is never held for long; a compressed body by an eighth of that (it
# inflates several times).
INLINE_BYTES = 256 * 1024


async def _decode(request: Request, received: Annotated[_Received, Depends(_receive)]) -> Export:
    settings: Settings = request.app.state.settings
    content_encoding = request.headers.get("content-encoding")

    def decode() -> Export:
        message = otlp.decode(
            received.body,
            received.encoding,
            content_encoding,
            max_bytes=settings.max_body_bytes,
        )
        return Export(received.encoding, message, otlp.span_writes(message))

    inline = INLINE_BYTES if content_encoding in (None, "identity") else INLINE_BYTES // 8
    if len(received.body) <= inline:
        return decode()
    return await run_in_threadpool(decode)


ExportDep = Annotated[Export, Depends(_decode)]

_OTLP_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An OTLP `ExportTraceServiceRequest`, optionally with "
        "`Content-Encoding: gzip` or `deflate`",
        "content": {
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "OTLP/JSON: ids in hexadecimal, as the OTLP spec has them",
                    "properties": {"resourceSpans": {"type": "array", "items": {"type": "object"}}},
                }
            },
        },
    }
}
_OTLP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every span was stored: an empty `ExportTraceServiceResponse`, in the "
        "request's encoding",
        "content": {
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {"type": "object", "properties": {}, "additionalProperties": False}
            },
        },
    },
    400: {"description": "The body is not a valid OTLP export request; nothing was stored"},
    413: {"description": "The body, or what it inflates to, is too large"},
    415: {"description": "Neither protobuf nor JSON, or an unsupported content encoding"},
}


def _store(session: Session, principal: Principal, export: Export) -> None:
    """Every span of the export, in writes of at most the service's MAX_BATCH (a collector
    may send thousands at once) within the request's one transaction: all or nothing still."""
    span_service.hold_traces(session, principal.account_id, {s.trace_id for s in export.spans})
    for start in range(0, len(export.spans), MAX_BATCH):
        chunk = export.spans[start : start + MAX_BATCH]
        locate = _locate(export.request, start)
        span_service.write(session, principal, chunk, upsert=True, locate=locate, traces_held=True)


def _locate(request: ExportTraceServiceRequest, start: int) -> Locate:
    """Errors of the span service name the span by its place in the OTLP request."""

    def locate(index: int, field: str) -> list[str | int]:
        return otlp.span_loc(request, start + index, field)

    return locate


@router.post(
    "/v1/traces",
    response_class=Response,
    responses=_OTLP_RESPONSES,
    openapi_extra=_OTLP_BODY,
)
async def export_traces(request: Request, export: ExportDep, principal: PrincipalDep) -> Response:
    """Store OpenTelemetry spans (OTLP/HTTP, protobuf or JSON) as spans, upserted by id."""

    # Committed with other requests' (yardstick.db.group_commit): exporters send many at once.
    def store(session: Session) -> None:
        _store(session, principal, export)

    await GroupCommit.of(request).run(request, store)
    return Response(
        otlp.response_body(export.encoding), media_type=otlp.MEDIA_TYPES[export.encoding]
    )
