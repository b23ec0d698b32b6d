"""master_key_check: the fingerprint of the master key a database was made with

Revision ID: 0030_master_key_check
Revises: 0029_evaluation_replaced_usage
Create Date: 2026-12-05 14:30:00

A process started with another `YARDSTICK_SECRET_KEY` (or another key file) than the database's
started without a word: every API key answered 401, stored secrets did not open, and keys it
made were hashed under its own key. The first start after this revision records the key's
fingerprint (having opened a stored secret with it, when there is one); later starts compare.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yardstick.db.types import UtcDateTime

revision: str = "0030_master_key_check"
down_revision: str | Sequence[str] | None = "0029_evaluation_replaced_usage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "master_key_check",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_key_check")),
    )


def downgrade() -> None:
    op.drop_table("master_key_check")
