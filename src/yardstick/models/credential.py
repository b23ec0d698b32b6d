from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, IdMixin, TimestampMixin


class Credential(IdMixin, TimestampMixin, Base):
    """A named secret an account keeps for its own use (an API key, a service-account JSON).

    `sealed_payload` is the payload encrypted by `yardstick.secret_box` (bound to this row's
    account and id); only the decrypt routes ever open it. `credential_metadata` is stored in
    the clear, as the client's documentation says.
    """

    __tablename__ = "credentials"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(512))
    type: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    credential_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sealed_payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]

    __table_args__ = (
        # Names are unique in an account: credentials are fetched by name.
        UniqueConstraint("account_id", "name"),
        Index("ix_credentials_account_id_id", "account_id", "id"),
    )
