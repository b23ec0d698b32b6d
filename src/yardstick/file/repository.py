from sqlalchemy import Select, delete, exists, select
from sqlalchemy.orm import Session

from yardstick.kit.filters import name_contains
from yardstick.models import File


class FileRepository:
    def get(self, session: Session, *, account_id: str, file_id: str) -> File | None:
        return session.scalar(select(File).where(File.id == file_id, File.account_id == account_id))

    def list_stmt(self, *, account_id: str, filename: str | None = None) -> Select[File]:
        stmt = select(File).where(File.account_id == account_id)
        if filename:
            stmt = stmt.where(name_contains(File.filename, filename))
        return stmt

    def exists(self, session: Session, *, account_id: str, file_id: str) -> bool:
        stmt = select(exists().where(File.id == file_id, File.account_id == account_id))
        return bool(session.scalar(stmt))

    def delete(self, session: Session, *, account_id: str, file_id: str) -> bool:
        result = session.execute(
            delete(File).where(File.id == file_id, File.account_id == account_id),
            execution_options={"synchronize_session": False},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


file_repository = FileRepository()
