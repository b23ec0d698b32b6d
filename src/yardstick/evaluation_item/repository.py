from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from yardstick.evaluation_item.cell_filters import CellFilter
from yardstick.models import Evaluation, EvaluationItem, TaskResult

I = EvaluationItem
# `failed`: items with at least one task error; `passed`: items with none.
CompletionStatus = Literal["failed", "passed", "all"]


class ItemRow(NamedTuple):
    id: str
    evaluation_id: str
    data: str
    dataset_item_id: str | None
    dataset_item_version_num: int | None
    created_at: datetime
    created_by_user_id: str
    archived_at: datetime | None
    tasks: list[dict[str, Any]]
    files: dict[str, str] | None
    repeat: int
    row_item_id: str | None


class Cell(NamedTuple):
    alias: str
    status: str
    value: Any
    error_type: str | None
    error_message: str | None
    details: dict[str, Any] | None
    latency_ms: float | None
    attempts: int


# Items read their creator, archive time and tasks from their evaluation (one join, no copies).
_COLUMNS = (
    I.id,
    I.evaluation_id,
    I.data,
    I.dataset_item_id,
    I.dataset_item_version_num,
    I.created_at,
    Evaluation.created_by_user_id,
    Evaluation.archived_at,
    Evaluation.tasks,
    I.files,
    I.repeat,
    I.row_item_id,
)


class EvaluationItemRepository:
    def base_stmt(self, *, account_id: str) -> Select[Any]:
        return (
            select(*_COLUMNS)
            .join(Evaluation, Evaluation.id == I.evaluation_id)
            .where(I.account_id == account_id)
        )

    def get(self, session: Session, *, account_id: str, item_id: str) -> ItemRow | None:
        row = session.execute(self.base_stmt(account_id=account_id).where(I.id == item_id)).first()
        return ItemRow(*row) if row else None

    def list_stmt(
        self,
        *,
        account_id: str,
        evaluation_id: str | None,
        include_archived: bool,
        completion_status: CompletionStatus = "all",
        cell_filters: Sequence[CellFilter] = (),
    ) -> Select[Any]:
        stmt = self.base_stmt(account_id=account_id)
        if evaluation_id is not None:
            stmt = stmt.where(I.evaluation_id == evaluation_id)
        if not include_archived:
            stmt = stmt.where(Evaluation.archived_at.is_(None))
        if completion_status != "all":
            has_error = exists().where(TaskResult.item_id == I.id, TaskResult.status == "errored")
            stmt = stmt.where(has_error if completion_status == "failed" else ~has_error)
        return stmt.where(*(f.condition() for f in cell_filters))

    def exists(self, session: Session, *, account_id: str, item_id: str) -> bool:
        return bool(
            session.scalar(select(exists().where(I.id == item_id, I.account_id == account_id)))
        )

    def cells_of(self, session: Session, item_ids: Sequence[str]) -> dict[str, list[Cell]]:
        """Every stored result of a page of items, in one query."""
        out: dict[str, list[Cell]] = defaultdict(list)
        if not item_ids:
            return out
        stmt = select(
            TaskResult.item_id,
            TaskResult.alias,
            TaskResult.status,
            TaskResult.value,
            TaskResult.error_type,
            TaskResult.error_message,
            TaskResult.details,
            TaskResult.latency_ms,
            TaskResult.attempts,
        ).where(TaskResult.item_id.in_(item_ids))
        for item_id, *cell in session.execute(stmt):
            out[item_id].append(Cell(*cell))
        return out


evaluation_item_repository = EvaluationItemRepository()
