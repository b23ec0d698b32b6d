from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, TimestampMixin


class Account(TimestampMixin, Base):
    __tablename__ = "accounts"

    # Account ids are chosen by the operator (YARDSTICK_INIT_ACCOUNT_ID, `accounts create`).
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
