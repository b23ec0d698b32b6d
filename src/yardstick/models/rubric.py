from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONList
from yardstick.models.base import Base, IdMixin, TimestampMixin


class Rubric(IdMixin, TimestampMixin, Base):
    """A rubric as it is now: its latest version's fields, and whether it is archived.

    The history is `RubricVersion`, one immutable row per version; this row repeats the latest
    one so that a list filters, sorts and pages on one table. Every update and every restore
    writes a new version and then this row, in one transaction, under this row's lock.
    Archiving only stamps `archived_at` here (no version): versions record what the rubric
    said, not whether it was in use.
    """

    __tablename__ = "rubrics"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    title: Mapped[str] = mapped_column(String(512))
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    version: Mapped[int]
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_rubrics_account_id_id", "account_id", "id"),)


class RubricVersion(IdMixin, TimestampMixin, Base):
    """One version of a rubric's own fields, never changed once written."""

    __tablename__ = "rubric_versions"

    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(512))
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    created_by_user_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_rubric_versions_rubric_version", "rubric_id", "version", unique=True),
    )


class RubricCriterionVersion(IdMixin, TimestampMixin, Base):
    """One version of one criterion, never changed once written (`id` is this row's own;
    the API's criterion id is `criterion_id`, shared by all its versions).

    `rubric_version` is the rubric's version when this row was written. It is what "the
    rubric at version N" means for criteria, which are versioned on their own: each
    criterion's latest version written while the rubric was at version N or earlier.
    """

    __tablename__ = "rubric_criterion_versions"

    criterion_id: Mapped[str] = mapped_column(String(36))
    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"))
    version: Mapped[int]
    rubric_version: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    annotations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    weight: Mapped[float] = mapped_column(Float)
    created_by_user_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_rubric_criterion_versions_version", "criterion_id", "version", unique=True),
        # A rubric's criteria, latest versions first found per criterion.
        Index("ix_rubric_criterion_versions_rubric", "rubric_id", "criterion_id", "version"),
    )
