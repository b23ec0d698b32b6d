from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, SessionFactory
from yardstick.export.formats import content_disposition, inline
from yardstick.export.schemas import ExportOut, ExportRequest, StreamFormat
from yardstick.export.service import export_service
from yardstick.kit.body import OrjsonRoute

sgp_router = APIRouter(prefix="/v5/evaluation-items", tags=["export"], route_class=OrjsonRoute)
stream_router = APIRouter(prefix="/v5/evaluations", tags=["export"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such evaluation here"}}


def _sessions(request: Request) -> SessionFactory:
    # The file is read after the request's own session is closed: a read session per page.
    sessions: SessionFactory = request.app.state.sessions
    return sessions


@sgp_router.post(
    "/export",
    response_model=ExportOut,
    responses={**_NOT_FOUND, 501: {"description": "export_method signed_url (no object store)"}},
)
def export_evaluation_items(
    body: ExportRequest, principal: PrincipalDep, session: ReadSessionDep, request: Request
) -> StreamingResponse:
    """Export every item of an evaluation as a JSON, JSONL or CSV file, inline in `content`."""
    export = export_service.export(
        session,
        principal,
        body.evaluation_id,
        sessions=_sessions(request),
        file_format=body.export_format,
        include_archived=body.include_archived,
    )
    export_service.check_method(body.export_method)  # after the 404: nothing is read yet
    return StreamingResponse(inline(export.filename, export.chunks), media_type="application/json")


# What the download's `format` answers with (yardstick.export.formats.MEDIA_TYPES).
_FILE = {"schema": {"type": "string", "format": "binary"}}
_DOWNLOAD = {
    "description": "The file, as an attachment",
    "content": {
        "application/x-ndjson": _FILE,
        "text/csv": _FILE,
        "application/vnd.apache.parquet": _FILE,
    },
}


@stream_router.get(
    "/{evaluation_id}/export",
    response_class=StreamingResponse,
    responses={**_NOT_FOUND, 200: _DOWNLOAD},
)
def download_evaluation(
    evaluation_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    request: Request,
    file_format: Annotated[
        StreamFormat, Query(alias="format", description="jsonl, csv or parquet")
    ] = "jsonl",
    include_archived: Annotated[bool, Query(description="Allow an archived evaluation")] = False,
) -> StreamingResponse:
    """Download every item of an evaluation as a JSONL, CSV or Parquet file, streamed."""
    export = export_service.export(
        session,
        principal,
        evaluation_id,
        sessions=_sessions(request),
        file_format=file_format,
        include_archived=include_archived,
    )
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"content-disposition": content_disposition(export.filename)},
    )
