"""dataset version counts: each version's number of live items, written with the version

Revision ID: 0021_dataset_version_counts
Revises: 0020_annotation_tasks
Create Date: 2026-12-02 06:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_dataset_version_counts"
down_revision: str | Sequence[str] | None = "0020_annotation_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Versions that exist already are counted when first listed (dataset_item/service.py).
    op.create_table(
        "dataset_version_counts",
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_version_counts_dataset_id_datasets"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", "version", name=op.f("pk_dataset_version_counts")),
    )


def downgrade() -> None:
    op.drop_table("dataset_version_counts")
