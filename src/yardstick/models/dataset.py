from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONList
from yardstick.models.base import Base, IdMixin, TimestampMixin


class Dataset(IdMixin, TimestampMixin, Base):
    __tablename__ = "datasets"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    current_version_num: Mapped[int] = mapped_column(default=1)
    # Non-archived items at the current version, kept by every write so `total` costs nothing.
    item_count: Mapped[int] = mapped_column(default=0)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_datasets_account_id_id", "account_id", "id"),)
