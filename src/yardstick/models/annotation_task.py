from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONValue
from yardstick.models.base import Base, IdMixin, TimestampMixin

_ASSIGNED = column("assigned_to").isnot(None)


class AnnotationTask(IdMixin, TimestampMixin, Base):
    """One person's turn at one evaluation item for one queue.

    An evaluation's contributor tasks sharing a `queue_id` are answered together, so there is
    one task per (item, queue, reviewer slot): `reviewers_per_item` slots, numbered from 0.
    Audit tasks use `slot` for their level (1 or 2). A queue orders its tasks by `position`
    (the item's order at creation); a skip moves a task to the back by giving it the queue's
    next position. A claim writes `assigned_to` and `assignment_expires_at`; once that time
    has passed, the task is free to claim again.
    """

    __tablename__ = "annotation_tasks"

    account_id: Mapped[str] = mapped_column(String(128))
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"))
    evaluation_item_id: Mapped[str] = mapped_column(ForeignKey("evaluation_items.id"))
    queue_id: Mapped[str] = mapped_column(String(256))
    task_type: Mapped[str] = mapped_column(String(32))  # CONTRIBUTOR_ANNOTATION | ..._AUDIT
    slot: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # NOT_READY | PENDING | PENDING_REDO | ...
    priority: Mapped[int] = mapped_column(default=0)
    position: Mapped[int]
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    assignment_expires_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    flagged_for_review: Mapped[bool | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index(
            "ix_annotation_tasks_slot",
            "evaluation_item_id",
            "queue_id",
            "task_type",
            "slot",
            unique=True,
        ),
        # A claim reads a queue's open tasks in order.
        Index("ix_annotation_tasks_queue", "account_id", "queue_id", "status", "position"),
        Index("ix_annotation_tasks_evaluation", "evaluation_id", "status"),
        # A claim looks for the caller's own task first (migration 0023).
        Index(
            "ix_annotation_tasks_assignee",
            "assigned_to",
            "queue_id",
            sqlite_where=_ASSIGNED,
            postgresql_where=_ASSIGNED,
        ),
    )


class AnnotationAnswer(TimestampMixin, Base):
    """One reviewer's answer to one contributor alias in one task, kept as given.

    The item's result for the alias (a `task_results` cell) is aggregated from these once all
    the item's reviewers have answered; these rows are what reviewer agreement is computed on.
    """

    __tablename__ = "annotation_answers"

    task_id: Mapped[str] = mapped_column(ForeignKey("annotation_tasks.id"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(256), primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(String(36))
    evaluation_item_id: Mapped[str] = mapped_column(String(36))
    reviewer: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any | None] = mapped_column(JSONValue)
    # Per-criterion scores of a rubric question ({criterion id: score}), when it has one.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_annotation_answers_evaluation", "evaluation_id", "alias", "evaluation_item_id"),
    )
