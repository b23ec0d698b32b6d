"""dataset versions opened: an index of the item rows each dataset version opened

Revision ID: 0022_dataset_versions_opened
Revises: 0021_dataset_version_counts
Create Date: 2026-12-02 06:20:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_dataset_versions_opened"
down_revision: str | Sequence[str] | None = "0021_dataset_version_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_dataset_item_versions_opened",
        "dataset_item_versions",
        ["dataset_id", "version_from"],
    )


def downgrade() -> None:
    op.drop_index("ix_dataset_item_versions_opened", table_name="dataset_item_versions")
