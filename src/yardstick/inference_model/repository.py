from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from yardstick.kit.filters import name_contains
from yardstick.kit.repository import AccountRepository
from yardstick.models import InferenceModel

M = InferenceModel


class InferenceModelRepository(AccountRepository[InferenceModel]):
    def get_by_name(
        self, session: Session, *, account_id: str, vendor: str, name: str, for_update: bool = False
    ) -> InferenceModel | None:
        stmt = select(M).where(M.account_id == account_id, M.model_vendor == vendor, M.name == name)
        if for_update:
            stmt = stmt.with_for_update()
        return session.scalar(stmt)

    def find_by_name(self, session: Session, *, account_id: str, name: str) -> list[InferenceModel]:
        """Every vendor's model called `name` (at most one per vendor)."""
        stmt = select(M).where(M.account_id == account_id, M.name == name).order_by(M.id.desc())
        return list(session.scalars(stmt))

    def list_stmt(
        self, *, account_id: str, vendor: str | None, name: str | None
    ) -> Select[InferenceModel]:
        stmt = select(M).where(M.account_id == account_id)
        if vendor is not None:
            stmt = stmt.where(M.model_vendor == vendor)
        if name:
            stmt = stmt.where(name_contains(M.name, name))
        return stmt

    def swap_names(
        self, session: Session, first: InferenceModel, second: InferenceModel, *, now: datetime
    ) -> None:
        """Exchange two same-vendor models' names without ever holding one name twice.

        The unique constraint is checked per statement (per row on PostgreSQL), so one
        `UPDATE … CASE` could trip it; three statements through a placeholder cannot.
        """
        first_name, second_name = first.name, second.name
        session.flush()
        for model_id, name in (
            (second.id, f"~swap~{second.id}"),
            (first.id, second_name),
            (second.id, first_name),
        ):
            session.execute(
                update(M).where(M.id == model_id).values(name=name, updated_at=now),
                execution_options={"synchronize_session": False},
            )
        for model, name in ((first, second_name), (second, first_name)):
            set_committed_value(model, "name", name)
            set_committed_value(model, "updated_at", now)


inference_model_repository = InferenceModelRepository(InferenceModel, "model")
