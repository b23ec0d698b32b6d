"""The SQL of annotation tasks and answers that the service reads and writes."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, delete, exists, func, select, text
from sqlalchemy.orm import Session

from yardstick.kit.repository import AccountRepository
from yardstick.models import AnnotationAnswer, AnnotationTask, ApiKey, EvaluationItem

T = AnnotationTask
AnswerRow = tuple[str, Any, dict[str, Any] | None]  # (alias, value, details)


class AnnotationTaskRepository(AccountRepository[AnnotationTask]):
    def hold(
        self, session: Session, *, account_id: str, task_ids: Sequence[str]
    ) -> list[AnnotationTask]:
        """These tasks, row-locked (PostgreSQL) in id order and read afresh. A claim skips a
        locked row, so a task being submitted or changed is never handed out meanwhile; only
        the tasks changed are locked, so their items' other slots stay claimable."""
        stmt = (
            select(T)
            .where(T.id.in_(list(task_ids)), T.account_id == account_id)
            .order_by(T.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(session.scalars(stmt))

    def serialise(self, session: Session, items: Iterable[tuple[str, str]]) -> None:
        """Take the (item, queue) pairs' transaction-level advisory locks (PostgreSQL), in one
        order. Whoever writes an item's results holds its pair's lock, so of two reviewers
        finishing an item's last two slots at once the second waits, then sees the first's
        COMPLETED and writes the item's result. SQLite serialises writers anyway."""
        if session.get_bind().dialect.name != "postgresql":
            return
        keys = sorted({f"{item_id}/{queue_id}" for item_id, queue_id in items})
        if keys:
            # One statement for them all; unnest keeps the array's (sorted) order.
            session.execute(
                text(
                    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                    "FROM unnest(CAST(:keys AS text[])) AS k"
                ),
                {"keys": keys},
            )

    def items_tasks(self, session: Session, item_ids: Sequence[str]) -> list[AnnotationTask]:
        """Every task of these items, read afresh (no lock), in (item, id) order: by item
        alone, since with the account in the WHERE clause too SQLite may walk the account's
        whole queue index (item ids are unique across accounts)."""
        stmt = (
            select(T)
            .where(T.evaluation_item_id.in_(list(item_ids)))
            .order_by(T.evaluation_item_id, T.id)
            .execution_options(populate_existing=True)
        )
        return list(session.scalars(stmt))

    def many(
        self, session: Session, *, account_id: str, ids: Sequence[str]
    ) -> list[AnnotationTask]:
        stmt = select(T).where(T.account_id == account_id, T.id.in_(list(ids))).order_by(T.id)
        return list(session.scalars(stmt))

    def list_stmt(
        self,
        *,
        account_id: str,
        evaluation_id: str | None,
        queue_id: str | None,
        status: str | None,
        assigned_to: str | None,
        task_type: str | None,
    ) -> Select[Any]:
        stmt = select(T).where(T.account_id == account_id)
        for column, value in (
            (T.evaluation_id, evaluation_id),
            (T.queue_id, queue_id),
            (T.status, status),
            (T.assigned_to, assigned_to),
            (T.task_type, task_type),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        return stmt

    def history(
        self, session: Session, *, account_id: str, user_id: str, queue_id: str, limit: int
    ) -> list[AnnotationTask]:
        """The tasks of the queue assigned to the user (held, or answered: a done task keeps
        its reviewer), most recently changed first."""
        stmt = (
            select(T)
            .where(T.assigned_to == user_id, T.queue_id == queue_id, T.account_id == account_id)
            .order_by(T.updated_at.desc(), T.id.desc())
            .limit(limit)
        )
        return list(session.scalars(stmt))

    def queue_exists(
        self, session: Session, *, account_id: str, queue_id: str, evaluation_id: str | None
    ) -> bool:
        where = [T.account_id == account_id, T.queue_id == queue_id]
        if evaluation_id is not None:
            where.append(T.evaluation_id == evaluation_id)
        return bool(session.scalar(select(exists().where(*where))))

    def next_position(self, session: Session, *, account_id: str, queue_id: str) -> int:
        last = session.scalar(
            select(func.max(T.position)).where(T.account_id == account_id, T.queue_id == queue_id)
        )
        return 0 if last is None else int(last) + 1

    def answers_of(self, session: Session, task_ids: Sequence[str]) -> dict[str, list[AnswerRow]]:
        out: dict[str, list[AnswerRow]] = {task_id: [] for task_id in task_ids}
        stmt = select(
            AnnotationAnswer.task_id,
            AnnotationAnswer.alias,
            AnnotationAnswer.value,
            AnnotationAnswer.details,
        ).where(AnnotationAnswer.task_id.in_(list(task_ids)))
        for task_id, alias, value, details in session.execute(stmt).tuples():
            out[task_id].append((alias, value, details))
        return out

    def replace_answers(
        self, session: Session, task: AnnotationTask, rows: Sequence[AnnotationAnswer]
    ) -> None:
        session.execute(
            delete(AnnotationAnswer)
            .where(AnnotationAnswer.task_id == task.id)
            .execution_options(synchronize_session=False)
        )
        session.add_all(rows)

    def item(self, session: Session, item_id: str) -> tuple[str, dict[str, str] | None]:
        """An item's row (JSON text) and files."""
        row = session.execute(
            select(EvaluationItem.data, EvaluationItem.files).where(EvaluationItem.id == item_id)
        ).one()
        return row[0], row[1]

    def items_of(
        self, session: Session, *, evaluation_id: str, item_ids: Sequence[str]
    ) -> set[str]:
        """Which of these ids are items of the evaluation."""
        return set(
            session.scalars(
                select(EvaluationItem.id).where(
                    EvaluationItem.evaluation_id == evaluation_id,
                    EvaluationItem.id.in_(list(item_ids)),
                )
            )
        )

    def is_user(self, session: Session, *, account_id: str, user_id: str) -> bool:
        """Whether the id is an API key of the account (every person is one)."""
        return bool(
            session.scalar(
                select(exists().where(ApiKey.id == user_id, ApiKey.account_id == account_id))
            )
        )


annotation_task_repository = AnnotationTaskRepository(AnnotationTask, "annotation task")
