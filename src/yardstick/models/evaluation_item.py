from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin


class EvaluationItem(IdMixin, Base):
    """An evaluation's immutable input row. Its id orders the rows; results live in TaskResult.

    Items are archived with their evaluation, so `archived_at` is read from the
    evaluation rather than copied onto every row.
    """

    __tablename__ = "evaluation_items"

    account_id: Mapped[str] = mapped_column(String(128))
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"))
    # The row's JSON text exactly as received (or as read from the dataset item).
    data: Mapped[str] = mapped_column(Text)
    dataset_item_id: Mapped[str | None] = mapped_column(String(36))
    dataset_item_version_num: Mapped[int | None]
    # {column: file id} attached to the row (0.7.0 `files`), copied from the dataset item.
    files: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # With `repeats: k`, a row is k items, repeats 0 to k-1; `row_item_id` is the id of its
    # repeat 0 (set on all k, so a row's items group by it), null when the row runs once.
    repeat: Mapped[int] = mapped_column(default=0, server_default="0")
    row_item_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_evaluation_items_evaluation_id_id", "evaluation_id", "id"),
        Index("ix_evaluation_items_account_id_id", "account_id", "id"),
    )
