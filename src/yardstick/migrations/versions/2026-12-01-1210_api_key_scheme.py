"""api keys: how their digests were made (keyed with the server's secret, or plain SHA-256)

Revision ID: 0012_api_key_scheme
Revises: 0011_idempotency_keys
Create Date: 2026-12-01 12:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_api_key_scheme"
down_revision: str | Sequence[str] | None = "0011_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every key made before is plain SHA-256 (1); new keys are written with 2.
    op.add_column("api_keys", sa.Column("scheme", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scheme")
