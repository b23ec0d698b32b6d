"""The reads every resource's repository shares: one row of an account by id.

Every row belongs to one account, and another account's row must be exactly as invisible as a
row that does not exist (a 404, never a 403). That rule lives here once: `get`, `exists`,
`require` and `delete` always filter by the account, so a repository cannot forget it.
"""

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import Mapped, Session

from yardstick.errors import NotFound


class AccountRow(Protocol):
    """A mapped model owned by an account (every resource's table)."""

    id: Mapped[str]
    account_id: Mapped[str]


M = TypeVar("M", bound=AccountRow)


class AccountRepository(Generic[M]):
    """`get`/`exists`/`require`/`delete` of `model`'s rows, by id within an account.

    `noun` names the resource in a 404 ("dataset 'x' not found"). A model with `archived_at`
    hides archived rows when asked (`include_archived=False`)."""

    def __init__(self, model: type[M], noun: str) -> None:
        self.model = model
        self.noun = noun

    def _where(
        self, account_id: str, row_id: str, include_archived: bool
    ) -> list[ColumnElement[bool]]:
        condition = [self.model.id == row_id, self.model.account_id == account_id]
        archived_at: Mapped[Any] | None = getattr(self.model, "archived_at", None)
        if not include_archived and archived_at is not None:
            condition.append(archived_at.is_(None))
        return condition

    def get(
        self,
        session: Session,
        *,
        account_id: str,
        row_id: str,
        include_archived: bool = True,
        for_update: bool = False,
    ) -> M | None:
        stmt = select(self.model).where(*self._where(account_id, row_id, include_archived))
        if for_update:
            stmt = stmt.with_for_update()
        return session.scalar(stmt)

    def require(
        self,
        session: Session,
        *,
        account_id: str,
        row_id: str,
        include_archived: bool = True,
        for_update: bool = False,
    ) -> M:
        """`get`, or NotFound (404) when the account has no such row."""
        row = self.get(
            session,
            account_id=account_id,
            row_id=row_id,
            include_archived=include_archived,
            for_update=for_update,
        )
        if row is None:
            raise NotFound(self.noun, row_id)
        return row

    def exists(
        self, session: Session, *, account_id: str, row_id: str, include_archived: bool = True
    ) -> bool:
        stmt = select(exists().where(*self._where(account_id, row_id, include_archived)))
        return bool(session.scalar(stmt))

    def delete(self, session: Session, *, account_id: str, row_id: str) -> bool:
        """Delete the row for good; False when the account has no such row."""
        result = session.execute(
            delete(self.model).where(*self._where(account_id, row_id, include_archived=True)),
            execution_options={"synchronize_session": False},
        )
        return bool(getattr(result, "rowcount", 0))

    def cursor_check(self, session: Session, account_id: str) -> Callable[[str], bool]:
        """What `paginate` asks of a cursor: is it one of the account's rows (else a 422)."""
        return lambda cursor: self.exists(session, account_id=account_id, row_id=cursor)
