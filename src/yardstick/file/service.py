"""Rules for files: a row of metadata per blob, the blob kept by `BlobStore`.

The row is written first and the staged blob moved into place after it, in the same request;
a delete removes the row, then the blob. Both blob steps come after the row's flush, so the
only failure that can split them is a failed commit, which leaves a blob with no row (never a
row with no blob on create).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import NotFound
from yardstick.file.repository import file_repository
from yardstick.file.schemas import FileUpdate
from yardstick.file.storage import BlobStore
from yardstick.file.upload import ReceivedFile
from yardstick.ids import new_id
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import File


class FileService:
    def create(
        self, session: Session, principal: Principal, *, upload: ReceivedFile, store: BlobStore
    ) -> File:
        file = File(
            id=new_id(),
            account_id=principal.account_id,
            filename=upload.filename,
            mime_type=upload.mime_type,
            size=upload.size,
            md5_checksum=upload.md5_checksum,
            tags={},
            created_by_user_id=principal.user_id,
        )
        session.add(file)
        session.flush()
        upload.path = store.commit(upload.path, file.id)
        return file

    def get(self, session: Session, principal: Principal, file_id: str) -> File:
        return file_repository.require(session, account_id=principal.account_id, row_id=file_id)

    def content(
        self, session: Session, principal: Principal, file_id: str, *, store: BlobStore
    ) -> tuple[File, Path]:
        file = self.get(session, principal, file_id)
        path = store.path(file.id)
        if not path.is_file():
            raise NotFound("file content", file_id)
        return file, path

    def list(
        self, session: Session, principal: Principal, *, params: PageParams, filename: str | None
    ) -> Page:
        return paginate(
            session,
            file_repository.list_stmt(account_id=principal.account_id, filename=filename),
            key=File.id,
            params=params,
            sortable={"filename": File.filename, "name": File.filename, "size": File.size},
            cursor_exists=file_repository.cursor_check(session, principal.account_id),
        )

    def update(
        self, session: Session, principal: Principal, file_id: str, *, body: FileUpdate
    ) -> File:
        file = self.get(session, principal, file_id)
        if body.tags is not None:
            file.tags = body.tags
            session.flush()
        return file

    def delete(
        self, session: Session, principal: Principal, file_id: str, *, store: BlobStore
    ) -> None:
        if not file_repository.delete(session, account_id=principal.account_id, row_id=file_id):
            raise NotFound("file", file_id)
        session.flush()
        store.remove(file_id)


file_service = FileService()
