from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from yardstick.auth.dependencies import PrincipalDep
from yardstick.config import Settings
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.file.schemas import FileList, FileOut, FileUpdate, file_json
from yardstick.file.service import file_service
from yardstick.file.storage import BlobStore
from yardstick.file.upload import ReceivedFile, receive_file
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.responses import DeletedOut, JSONBody, deleted
from yardstick.kit.security_headers import FILE_HEADERS

router = APIRouter(prefix="/v5/files", tags=["files"], route_class=OrjsonRoute)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _blob_store(request: Request) -> BlobStore:
    return BlobStore(_settings(request).data_dir)


BlobStoreDep = Annotated[BlobStore, Depends(_blob_store)]


async def _upload(
    request: Request, principal: PrincipalDep, store: BlobStoreDep
) -> AsyncIterator[ReceivedFile]:
    """The streamed `file` part (after auth); its blob is removed if the request then fails."""
    settings = _settings(request)
    upload = await receive_file(
        request,
        store=store,
        max_bytes=settings.max_file_bytes,
        max_body=settings.upload_body_bytes,
    )
    try:
        yield upload
    except BaseException:
        upload.discard()  # wherever it is now: staging, or moved into place by the service
        raise


# Declared first in the create endpoint so it is entered before the write session and left
# after it: a failed commit reaches it as an exception and the blob goes too.
UploadDep = Annotated[ReceivedFile, Depends(_upload)]

_MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post("", response_model=FileOut, openapi_extra=_MULTIPART_BODY)
def create_file(
    upload: UploadDep, principal: PrincipalDep, session: WriteSessionDep, store: BlobStoreDep
) -> JSONBody:
    """Upload a file (multipart part `file`), streamed to disk with its size and md5."""
    file = file_service.create(session, principal, upload=upload, store=store)
    return JSONBody(file_json(file))


@router.get("/{file_id}", response_model=FileOut)
def get_file(file_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a file's metadata."""
    return JSONBody(file_json(file_service.get(session, principal, file_id)))


@router.get(
    "/{file_id}/content",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file's bytes, with the mime type it was uploaded with",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def get_file_content(
    file_id: str, principal: PrincipalDep, session: ReadSessionDep, store: BlobStoreDep
) -> FileResponse:
    """Download a file's bytes, with its stored mime type, as an attachment."""
    file, path = file_service.content(session, principal, file_id, store=store)
    return FileResponse(
        path,
        filename=file.filename,
        content_disposition_type="attachment",
        # As stored: given as `media_type`, a text/* type got "; charset=utf-8" added, which a
        # Latin-1 file is not.
        headers={**FILE_HEADERS, "content-type": file.mime_type},
    )


@router.patch("/{file_id}", response_model=FileOut)
def update_file(
    file_id: str, body: FileUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Replace a file's tags."""
    return JSONBody(file_json(file_service.update(session, principal, file_id, body=body)))


@router.get("", response_model=FileList)
def list_files(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    filename: Annotated[
        str | None, Query(description="Files whose name contains this (case-insensitive)")
    ] = None,
) -> JSONBody:
    """List files, newest first."""
    page = file_service.list(session, principal, params=params, filename=filename)
    return JSONBody(page.envelope([file_json(row[0]) for row in page.rows]))


@router.delete("/{file_id}", response_model=DeletedOut)
def delete_file(
    file_id: str, principal: PrincipalDep, session: WriteSessionDep, store: BlobStoreDep
) -> JSONBody:
    """Delete a file and its bytes for good."""
    file_service.delete(session, principal, file_id, store=store)
    return deleted(file_id, "file")
