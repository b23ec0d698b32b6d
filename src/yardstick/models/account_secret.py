from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class AccountSecret(IdMixin, TimestampMixin, Base):
    """An account-level secret under an environment-style key (`OPENAI_API_KEY`), write-only
    through the API; the model gateway reads vendor keys from here (see
    `yardstick.account_secret.vendor_keys`).

    `lookup_key` is the key upper-cased with `-` as `_`, so `openai-api-key` and
    `OPENAI_API_KEY` are one secret: unique per account, and what the gateway looks up.
    `sealed_value` is the value encrypted by `yardstick.secret_box`, bound to account and id.
    """

    __tablename__ = "account_secrets"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(128))
    lookup_key: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    sealed_value: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("account_id", "lookup_key"),
        Index("ix_account_secrets_account_id_id", "account_id", "id"),
    )
