from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class ApiKey(IdMixin, TimestampMixin, Base):
    """An API key, kept only as a salted SHA-256 digest.

    `lookup` is a short unsalted digest prefix that finds the candidate rows for a presented key;
    the salted digest then decides. The key's id is the identity reported as `created_by_user_id`.
    """

    __tablename__ = "api_keys"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    lookup: Mapped[str] = mapped_column(String(16), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    # Written at most once a minute per key and process: a read does not become a write.
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    # A revoked key is refused; the row stays, so the identity it created things under remains.
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
