"""evaluations.run_started_at: when the current run was enqueued

Revision ID: 0026_evaluation_run_started_at
Revises: 0025_run_trace_queue
Create Date: 2026-12-04 18:30:00

`run.finished` measured a run's duration from DBOS's creation time of its first chunk, which
DBOS writes in whole seconds on SQLite (a 31 ms run was logged as 0.992 s). Runs enqueued
before this revision keep a null, and the log falls back to DBOS's time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yardstick.db.types

revision: str = "0026_evaluation_run_started_at"
down_revision: str | Sequence[str] | None = "0025_run_trace_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(
            sa.Column("run_started_at", yardstick.db.types.UtcDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("run_started_at")
