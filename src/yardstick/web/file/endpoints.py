"""`/files/{id}/content`: a file's bytes for the signed-in account, as the API's
`GET /v5/files/{id}/content` serves them to a key, for pages (an `<img>` cannot send headers).

Only a raster image is served `inline` (what an `<img>` needs); every other type stays an
attachment, and every response carries the API's file headers (`Content-Security-Policy:
sandbox`, and `nosniff` from the app), so a file uploaded as HTML or SVG never runs as a page
of this site. Another account's file, or none, is the 404 page.
"""

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from yardstick.db.session import ReadSessionDep
from yardstick.file.service import file_service
from yardstick.file.storage import BlobStore
from yardstick.kit.security_headers import FILE_HEADERS
from yardstick.web.auth import SignedIn
from yardstick.web.file import IMAGE_TYPES
from yardstick.web.pages import PageRoute

router = APIRouter(prefix="/files", route_class=PageRoute, include_in_schema=False)


@router.get("/{file_id}/content")
def file_content(
    request: Request, file_id: str, web: SignedIn, session: ReadSessionDep
) -> FileResponse:
    store = BlobStore(request.app.state.settings.data_dir)
    file, path = file_service.content(session, web.principal, file_id, store=store)
    return FileResponse(
        path,
        media_type=file.mime_type,
        filename=file.filename,
        content_disposition_type="inline" if file.mime_type in IMAGE_TYPES else "attachment",
        # A file's bytes never change (a PATCH changes only its tags); the session's own.
        headers={**FILE_HEADERS, "cache-control": "private, max-age=3600"},
    )
