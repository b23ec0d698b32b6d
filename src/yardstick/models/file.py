from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class File(IdMixin, TimestampMixin, Base):
    """An uploaded file's metadata; its bytes live on disk under the data directory, by id
    (see `yardstick.file.storage`)."""

    __tablename__ = "files"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    filename: Mapped[str] = mapped_column(String(1024))
    mime_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    md5_checksum: Mapped[str] = mapped_column(String(32))
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_user_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_files_account_id_id", "account_id", "id"),)
