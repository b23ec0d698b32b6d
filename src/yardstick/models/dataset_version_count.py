from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base


class DatasetVersionCount(Base):
    """How many live items version N of a dataset holds.

    Every write to a dataset's items starts a new version, so a version's items never change
    and neither does this count: it is written with the version (the dataset's `item_count`
    at that moment). Listing an old version then reads its total here instead of counting up
    to a million history rows. Versions written before this table are counted on first ask.
    """

    __tablename__ = "dataset_version_counts"

    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    item_count: Mapped[int]
