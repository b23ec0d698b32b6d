from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base


class EngineWorker(Base):
    """A worker process's heartbeat; a worker silent for too long has its chunks taken over."""

    __tablename__ = "engine_workers"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seen_at: Mapped[datetime]
