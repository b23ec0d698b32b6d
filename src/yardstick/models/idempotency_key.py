from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base


class IdempotencyKey(Base):
    """A create sent with an `Idempotency-Key` (yardstick.kit.idempotency).

    The row is written in the create's own transaction, so it exists exactly when the create
    was committed; its response is added once sent (NULL if the process died in between).
    """

    __tablename__ = "idempotency_keys"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # METHOD path and the body's SHA-256: a repeat must be the same request.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(index=True)
