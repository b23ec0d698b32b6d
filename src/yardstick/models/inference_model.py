from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import utcnow
from yardstick.models.base import Base, IdMixin, TimestampMixin


class InferenceModel(IdMixin, TimestampMixin, Base):
    """A registered (custom) model: a `launch` or `llmengine` vendor configuration under a name.

    Nothing is deployed for real, so the status is derived, never stored: a create or a
    redeploy sets `ready_at` a configurable moment ahead, and the model is `deploying` until
    then and `ready` after, with no background job to flip it.
    """

    __tablename__ = "inference_models"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(512))
    model_vendor: Mapped[str] = mapped_column(String(32))
    model_type: Mapped[str] = mapped_column(String(32))
    model_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    vendor_configuration: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    ready_at: Mapped[datetime]

    __table_args__ = (
        # One name per vendor in an account; a swap rename goes through a placeholder name.
        UniqueConstraint("account_id", "model_vendor", "name"),
        Index("ix_inference_models_account_id_id", "account_id", "id"),
    )

    @property
    def status(self) -> str:
        return "ready" if self.ready_at <= utcnow() else "deploying"
