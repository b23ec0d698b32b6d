from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONValue
from yardstick.models.base import Base


class TaskResult(Base):
    """One cell: the result of one task (by alias) on one evaluation item.

    Keyed by (item, alias) so the engine writes cells independently and idempotently (upsert),
    a run resumes cell by cell, and a task can be re-run or added without touching other cells.
    A cell with no row is pending.
    """

    __tablename__ = "task_results"

    item_id: Mapped[str] = mapped_column(ForeignKey("evaluation_items.id"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(256), primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))  # completed | errored | skipped | pending
    value: Mapped[Any | None] = mapped_column(JSONValue)
    error_type: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Model usage (tokens), finish reason, scorer parameters, judge rationale: per task type.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    latency_ms: Mapped[float | None]
    # Token usage of the model call, as columns so an evaluation's totals are one SUM.
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_task_results_evaluation_id_status", "evaluation_id", "status"),)
