from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class Question(IdMixin, TimestampMixin, Base):
    """A reusable question for evaluations. Only `name` changes after create; type and
    configuration are fixed, so evaluations that already use a question keep their meaning.

    `configuration` holds the validated, normalized configuration of `question_type`
    (`{}` for a number, free-text or timestamp question created without one).
    `conditions` is stored exactly as given (when the question is shown is the UI's business).
    Archiving is a soft delete: `archived_at` hides the question from lists, but it can still
    be retrieved, restored, and run by evaluations that name it.
    """

    __tablename__ = "questions"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(512))
    prompt: Mapped[str] = mapped_column(Text)
    question_type: Mapped[str] = mapped_column(String(32))
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    conditions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    archived_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_questions_account_id_id", "account_id", "id"),)
