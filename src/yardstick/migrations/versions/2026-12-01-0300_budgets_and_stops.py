"""budgets and stopped tasks: an evaluation's spending limit, and the tasks fail fast stopped

Revision ID: 0008_budgets_and_stops
Revises: 0007_summary_indexes
Create Date: 2026-12-01 03:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_budgets_and_stops"
down_revision: str | Sequence[str] | None = "0007_summary_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): batch mode would copy the table on SQLite.
    op.add_column("evaluations", sa.Column("max_cost_usd", sa.Float(), nullable=True))
    op.add_column("evaluations", sa.Column("task_stops", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("task_stops")
        batch.drop_column("max_cost_usd")
