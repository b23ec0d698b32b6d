from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class ApiKey(IdMixin, TimestampMixin, Base):
    """An API key, kept only as digests keyed with the server's secret (yardstick.auth.service).

    `lookup` is a short digest prefix that finds the candidate rows for a presented key; the
    salted digest then decides. The key's id is the identity reported as `created_by_user_id`.
    """

    __tablename__ = "api_keys"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    lookup: Mapped[str] = mapped_column(String(16), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    # How the digests were made: 2 keyed with the server's secret, 1 plain SHA-256 (older keys).
    scheme: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    # Written at most once a minute per key and process: a read does not become a write.
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    # A revoked key is refused; the row stays, so the identity it created things under remains.
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
