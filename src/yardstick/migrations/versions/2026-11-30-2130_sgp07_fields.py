"""fields the 0.7.0 client reads and writes: evaluation metadata and taxonomy, item files

Revision ID: 0004_sgp07_fields
Revises: 0003_evaluations
Create Date: 2026-11-30 21:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_sgp07_fields"
down_revision: str | Sequence[str] | None = "0003_evaluations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("metadata", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("taxonomy", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "skip_prefilled_rows", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("evaluation_items") as batch:
        batch.add_column(sa.Column("files", sa.JSON(), nullable=True))
    with op.batch_alter_table("dataset_item_versions") as batch:
        batch.add_column(sa.Column("files", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_item_versions") as batch:
        batch.drop_column("files")
    with op.batch_alter_table("evaluation_items") as batch:
        batch.drop_column("files")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("skip_prefilled_rows")
        batch.drop_column("taxonomy")
        batch.drop_column("metadata")
