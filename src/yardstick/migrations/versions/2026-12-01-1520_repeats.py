"""repeats: an evaluation may run each row k times; each item knows its repeat and its row

Revision ID: 0014_repeats
Revises: 0013_evaluation_groups
Create Date: 2026-12-01 15:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_repeats"
down_revision: str | Sequence[str] | None = "0013_evaluation_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults, so existing rows read as one run of each row without a rewrite.
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("repeats", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("evaluation_items") as batch:
        batch.add_column(sa.Column("repeat", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("row_item_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluation_items") as batch:
        batch.drop_column("row_item_id")
        batch.drop_column("repeat")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("repeats")
