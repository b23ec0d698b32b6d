"""question lifecycle: archived_at (soft delete) and conditions

Revision ID: 0005_question_lifecycle
Revises: 0004_sgp07_fields
Create Date: 2026-11-30 21:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yardstick.db.types

revision: str = "0005_question_lifecycle"
down_revision: str | Sequence[str] | None = "0004_sgp07_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UtcDateTime = yardstick.db.types.UtcDateTime


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a table in place, so Alembic copies it there.
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("archived_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("conditions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("conditions")
        batch.drop_column("archived_at")
