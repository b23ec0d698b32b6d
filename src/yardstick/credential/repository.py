from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from yardstick.kit.filters import name_contains
from yardstick.kit.repository import AccountRepository
from yardstick.models import Credential

C = Credential


class CredentialRepository(AccountRepository[Credential]):
    def get_by_name(self, session: Session, *, account_id: str, name: str) -> Credential | None:
        return session.scalar(select(C).where(C.account_id == account_id, C.name == name))

    def list_stmt(self, *, account_id: str, name: str | None) -> Select[Credential]:
        # A list shows metadata only: the sealed payloads are not even read.
        stmt = select(C).where(C.account_id == account_id).options(defer(C.sealed_payload))
        if name:
            stmt = stmt.where(name_contains(C.name, name))
        return stmt


credential_repository = CredentialRepository(Credential, "credential")
