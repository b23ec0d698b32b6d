from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin
from yardstick.models.span import SPAN_REF

# The one assessment type a span may hold only once: its corrected output.
OVERWRITE = text("assessment_type = 'overwrite'")


class SpanAssessment(IdMixin, Base):
    """A person's judgement of one span (0.7.0 `span_assessments`): a comment, a rating, an
    approval, rubric answers, metadata or a corrected output (`overwrite`).

    Its content sits in the column of its `assessment_type` (a `comment` may come with any
    type). Deleting one is for good. The span is referred to by id within the account, as
    span ids are unique there; `trace_id` is the span's, kept for listing by trace.
    """

    __tablename__ = "span_assessments"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    span_id: Mapped[str] = mapped_column(String(SPAN_REF))
    trace_id: Mapped[str] = mapped_column(String(SPAN_REF))
    assessment_type: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    approval: Mapped[str | None] = mapped_column(String(16))
    rubric: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # `metadata` is taken by SQLAlchemy.
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    overwrite: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        # Lists by span and by trace, oldest first; the span search's `assessment_types`.
        Index("ix_span_assessments_span", "account_id", "span_id", "created_at"),
        Index("ix_span_assessments_trace", "account_id", "trace_id", "created_at"),
        # A span has at most one corrected output.
        Index(
            "ix_span_assessments_overwrite",
            "account_id",
            "span_id",
            unique=True,
            sqlite_where=OVERWRITE,
            postgresql_where=OVERWRITE,
        ),
    )
