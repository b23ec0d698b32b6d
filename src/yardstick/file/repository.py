from sqlalchemy import Select, select

from yardstick.kit.filters import name_contains
from yardstick.kit.repository import AccountRepository
from yardstick.models import File


class FileRepository(AccountRepository[File]):
    def list_stmt(self, *, account_id: str, filename: str | None = None) -> Select[File]:
        stmt = select(File).where(File.account_id == account_id)
        if filename:
            stmt = stmt.where(name_contains(File.filename, filename))
        return stmt


file_repository = FileRepository(File, "file")
