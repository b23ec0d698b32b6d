from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class Question(IdMixin, TimestampMixin, Base):
    """A reusable question for evaluations; immutable once created (a29 has no update or delete).

    `configuration` holds the validated, normalized configuration of `question_type`
    (`{}` for a number or free-text question created without one).
    """

    __tablename__ = "questions"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(512))
    prompt: Mapped[str] = mapped_column(Text)
    question_type: Mapped[str] = mapped_column(String(32))
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_user_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_questions_account_id_id", "account_id", "id"),)
