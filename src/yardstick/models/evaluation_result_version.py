from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base


class EvaluationResultVersion(Base):
    """How many times an evaluation's cells were written or deleted: the change marker that
    dashboard results are cached against (yardstick.evaluation.results_version).

    Every transaction that writes or deletes cells adds 1 to one of SLOTS rows of its
    evaluation, picked at random; the evaluation's version is the sum. Several rows rather
    than one so that chunks of one evaluation committing at the same time on PostgreSQL
    rarely wait for each other's row lock. The evaluation's own row cannot hold the counter:
    cell writes hold it share-locked (execution/cells.py), and two of them upgrading that
    lock to update it would deadlock.
    """

    __tablename__ = "evaluation_result_versions"

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
