from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from yardstick.kit.repository import AccountRepository
from yardstick.models import AccountSecret

S = AccountSecret


class AccountSecretRepository(AccountRepository[AccountSecret]):
    def get_by_lookup_key(
        self, session: Session, *, account_id: str, lookup_key: str
    ) -> AccountSecret | None:
        stmt = select(S).where(S.account_id == account_id, S.lookup_key == lookup_key)
        return session.scalar(stmt)

    def list_stmt(self, *, account_id: str) -> Select[AccountSecret]:
        # A list shows metadata only: the sealed values are not even read.
        return select(S).where(S.account_id == account_id).options(defer(S.sealed_value))


account_secret_repository = AccountSecretRepository(AccountSecret, "secret")
