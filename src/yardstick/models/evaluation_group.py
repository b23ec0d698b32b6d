from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONList
from yardstick.models.base import Base, IdMixin, TimestampMixin

# The rows that are live: an index over them alone stays small however much history builds up.
LIVE = text("deleted_at IS NULL")


class EvaluationGroup(IdMixin, TimestampMixin, Base):
    """Evaluations bundled for side-by-side reading (0.7.0 `evaluation_groups`).

    Deleting a group is soft (`deleted_at`, SGP's name for it) and stamps the same instant on
    its live members and row identifiers, which is how a deleted group later shows the members
    it had when it was deleted. Nothing of a group is ever deleted for good.
    """

    __tablename__ = "evaluation_groups"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    # `metadata` is taken by SQLAlchemy.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_evaluation_groups_account_id_id", "account_id", "id"),)


class EvaluationGroupMember(IdMixin, TimestampMixin, Base):
    """One evaluation's membership of a group. A member removed (by a PUT, by archiving its
    evaluation, or with its group) is soft-deleted; adding the evaluation again makes a new row.
    """

    __tablename__ = "evaluation_group_members"

    evaluation_group_id: Mapped[str] = mapped_column(ForeignKey("evaluation_groups.id"))
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"))
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_evaluation_group_members_group", "evaluation_group_id", "id"),
        # An evaluation is a live member of a group at most once; the same index finds the
        # groups of an evaluation (the list's `evaluation_id` filter, an evaluation's archive).
        Index(
            "ix_evaluation_group_members_live",
            "evaluation_id",
            "evaluation_group_id",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
    )


class EvaluationGroupRowIdentifier(IdMixin, TimestampMixin, Base):
    """The column that identifies a row in one member evaluation, for joining rows across the
    group's evaluations. Replacing a group's set soft-deletes the old rows."""

    __tablename__ = "evaluation_group_row_identifiers"

    evaluation_group_id: Mapped[str] = mapped_column(ForeignKey("evaluation_groups.id"))
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"))
    column_name: Mapped[str] = mapped_column(String(512))
    deleted_at: Mapped[datetime | None]

    # Not unique: a group's set is rewritten under the group's row lock (evaluation_group
    # service), and the deleted rows of earlier sets stay beside the live ones.
    __table_args__ = (
        Index(
            "ix_evaluation_group_row_identifiers_group",
            "evaluation_group_id",
            "evaluation_id",
        ),
    )
