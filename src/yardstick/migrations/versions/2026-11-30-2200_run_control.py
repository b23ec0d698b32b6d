"""run control: run generations, and the cost of each cell

Revision ID: 0006_run_control
Revises: 0005_question_lifecycle
Create Date: 2026-11-30 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_run_control"
down_revision: str | Sequence[str] | None = "0005_question_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("run_number", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("task_results") as batch:
        batch.add_column(sa.Column("cost_usd", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task_results") as batch:
        batch.drop_column("cost_usd")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("run_number")
