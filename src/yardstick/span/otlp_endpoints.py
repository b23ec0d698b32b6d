"""`POST /v1/traces`: OpenTelemetry's OTLP/HTTP trace export, each span a Yardstick span.

Authenticated by the auth gate like `/v5` (same two headers, which exporters send through
`OTEL_EXPORTER_OTLP_TRACES_HEADERS`). The body is read and decoded (yardstick.span.otlp)
before the write session opens, so SQLite's write lock is never held while a request
uploads or parses. A request's spans are upserted in one transaction: all of them, or none.
"""

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from yardstick.auth.dependencies import PrincipalDep
from yardstick.config import Settings
from yardstick.db.group_commit import GroupCommit
from yardstick.span import otlp, route_writes
from yardstick.span.rules import MAX_BATCH
from yardstick.span.service import Batch, span_service

router = APIRouter(tags=["traces"])


@dataclass(slots=True)
class _Received:
    encoding: otlp.Encoding
    body: bytes


@dataclass(slots=True)
class Export:
    encoding: otlp.Encoding
    # The spans checked and prepared, in batches of at most MAX_BATCH.
    batches: list[tuple[route_writes.InExport, Batch]]


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


async def _decode(
    request: Request, received: Annotated[_Received, Depends(_receive)], principal: PrincipalDep
) -> Export:
    """The export decoded, and its spans checked and prepared (`SpanService.prepare`)."""
    settings: Settings = request.app.state.settings
    content_encoding = request.headers.get("content-encoding")

    def decode() -> Export:
        message = otlp.decode(
            received.body,
            received.encoding,
            content_encoding,
            max_bytes=settings.max_body_bytes,
        )
        places, spans = otlp.span_places(message), otlp.span_writes(message)
        batches = []
        for start in range(0, len(spans), MAX_BATCH):
            locate = route_writes.InExport(places, start)
            chunk = spans[start : start + MAX_BATCH]
            batches.append(
                (locate, span_service.prepare(principal, chunk, upsert=True, locate=locate))
            )
        return Export(received.encoding, batches)

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


@router.post(
    "/v1/traces",
    response_class=Response,
    responses=_OTLP_RESPONSES,
    openapi_extra=_OTLP_BODY,
)
async def export_traces(request: Request, export: ExportDep, principal: PrincipalDep) -> Response:
    """Store OpenTelemetry spans (OTLP/HTTP, protobuf or JSON) as spans, upserted by id."""

    # Committed with other requests' (yardstick.db.group_commit): exporters send many at once.
    store = partial(route_writes.write_export, export.batches)
    await GroupCommit.of(request).run(request, store)
    return Response(
        otlp.response_body(export.encoding), media_type=otlp.MEDIA_TYPES[export.encoding]
    )
