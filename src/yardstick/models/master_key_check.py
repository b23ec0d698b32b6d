from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base, TimestampMixin


class MasterKeyCheck(TimestampMixin, Base):
    """The one row saying which master key this database was made with: a fingerprint (a key
    derived for this alone, yardstick.master_key_check), never the key. A process with another
    key stops at its start instead of hashing API keys and sealing secrets under it."""

    __tablename__ = "master_key_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    fingerprint: Mapped[str] = mapped_column(String(64))
