from sqlalchemy import Select, delete, exists, select
from sqlalchemy.orm import Session, defer

from yardstick.models import AccountSecret

S = AccountSecret


class AccountSecretRepository:
    def get(self, session: Session, *, account_id: str, secret_id: str) -> AccountSecret | None:
        return session.scalar(select(S).where(S.id == secret_id, S.account_id == account_id))

    def get_by_lookup_key(
        self, session: Session, *, account_id: str, lookup_key: str
    ) -> AccountSecret | None:
        stmt = select(S).where(S.account_id == account_id, S.lookup_key == lookup_key)
        return session.scalar(stmt)

    def list_stmt(self, *, account_id: str) -> Select[AccountSecret]:
        # A list shows metadata only: the sealed values are not even read.
        return select(S).where(S.account_id == account_id).options(defer(S.sealed_value))

    def exists(self, session: Session, *, account_id: str, secret_id: str) -> bool:
        stmt = select(exists().where(S.id == secret_id, S.account_id == account_id))
        return bool(session.scalar(stmt))

    def delete(self, session: Session, *, account_id: str, secret_id: str) -> bool:
        result = session.execute(
            delete(S).where(S.id == secret_id, S.account_id == account_id),
            execution_options={"synchronize_session": False},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


account_secret_repository = AccountSecretRepository()
