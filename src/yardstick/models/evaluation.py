from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.types import JSONList
from yardstick.models.base import Base, IdMixin, TimestampMixin


class Evaluation(IdMixin, TimestampMixin, Base):
    __tablename__ = "evaluations"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONList, default=list)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The tasks as submitted (configuration untouched) with their resolved task_type and alias.
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    item_count: Mapped[int] = mapped_column(default=0)
    # User metadata (0.7.0): updated as an RFC 7396 merge patch. `metadata` is taken by SQLAlchemy.
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    # The taxonomy document given at create (`taxonomy_params`), stored verbatim.
    taxonomy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    skip_prefilled_rows: Mapped[bool] = mapped_column(default=False)
    # The current run generation: a task added or changed, or a retry, starts the next one.
    # Chunks of an older generation stop and their late results are not written.
    run_number: Mapped[int] = mapped_column(default=1)
    # Spending limit in USD (Yardstick's `max_cost_usd`): the run stops once its cells cost this.
    max_cost_usd: Mapped[float | None]
    # What the cells a retry or a task change deleted had used (migration 0029): spent all the
    # same, so `usage` and the budget count it beside the cells alive.
    replaced_prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    replaced_completion_tokens: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0"
    )
    replaced_cost_usd: Mapped[float] = mapped_column(default=0.0, server_default="0")
    # How many times each row runs (migration 0014_repeats): k items per row.
    repeats: Mapped[int] = mapped_column(default=1, server_default="1")
    # Tasks fail fast stopped in the current run, alias → why (yardstick.execution.fail_fast).
    task_stops: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]
    # When run `run_number` was enqueued (the create's, a task change's or a retry's): what
    # `run.finished` measures its duration from. DBOS's own record of it is in whole seconds
    # on SQLite. Null for runs enqueued before it was kept.
    run_started_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_evaluations_account_id_id", "account_id", "id"),)


class EvaluationDataset(Base):
    """A dataset an evaluation was built from, and the dataset version it pinned."""

    __tablename__ = "evaluation_datasets"

    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    dataset_version_num: Mapped[int]
