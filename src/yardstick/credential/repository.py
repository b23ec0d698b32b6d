from sqlalchemy import Select, delete, exists, select
from sqlalchemy.orm import Session, defer

from yardstick.kit.filters import name_contains
from yardstick.models import Credential

C = Credential


class CredentialRepository:
    def get(self, session: Session, *, account_id: str, credential_id: str) -> Credential | None:
        return session.scalar(select(C).where(C.id == credential_id, C.account_id == account_id))

    def get_by_name(self, session: Session, *, account_id: str, name: str) -> Credential | None:
        return session.scalar(select(C).where(C.account_id == account_id, C.name == name))

    def list_stmt(self, *, account_id: str, name: str | None) -> Select[Credential]:
        # A list shows metadata only: the sealed payloads are not even read.
        stmt = select(C).where(C.account_id == account_id).options(defer(C.sealed_payload))
        if name:
            stmt = stmt.where(name_contains(C.name, name))
        return stmt

    def exists(self, session: Session, *, account_id: str, credential_id: str) -> bool:
        stmt = select(exists().where(C.id == credential_id, C.account_id == account_id))
        return bool(session.scalar(stmt))

    def delete(self, session: Session, *, account_id: str, credential_id: str) -> bool:
        result = session.execute(
            delete(C).where(C.id == credential_id, C.account_id == account_id),
            execution_options={"synchronize_session": False},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


credential_repository = CredentialRepository()
