from datetime import datetime

from sqlalchemy import Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import UtcDateTime
from yardstick.models.base import Base


class EvaluationKeptResult(Base):
    """A figure derived from an evaluation's cells (its summary, its histograms, its totals),
    kept until the cells change (yardstick.evaluation.kept).

    `fingerprint` names the state it was computed from: the results version, the item count,
    the status, the run number and the tasks. One row per (evaluation, kind): a newer state
    overwrites it.
    """

    __tablename__ = "evaluation_kept_results"

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # JSON, as orjson wrote it
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    compute_ms: Mapped[float] = mapped_column(Float)
