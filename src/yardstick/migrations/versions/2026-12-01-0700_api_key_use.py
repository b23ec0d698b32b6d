"""api keys: when each was last used, and when it was revoked

Revision ID: 0009_api_key_use
Revises: 0008_budgets_and_stops
Create Date: 2026-12-01 07:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yardstick.db.types import UtcDateTime

revision: str = "0009_api_key_use"
down_revision: str | Sequence[str] | None = "0008_budgets_and_stops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): batch mode would copy the table on SQLite.
    op.add_column("api_keys", sa.Column("last_used_at", UtcDateTime(), nullable=True))
    op.add_column("api_keys", sa.Column("revoked_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("last_used_at")
