"""credentials and account secrets, their values encrypted

Revision ID: 0010_credentials_and_secrets
Revises: 0009_api_key_use
Create Date: 2026-12-01 07:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yardstick.db.types import UtcDateTime

revision: str = "0010_credentials_and_secrets"
down_revision: str | Sequence[str] | None = "0009_api_key_use"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("credential_metadata", sa.JSON(), nullable=True),
        sa.Column("sealed_payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_credentials_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_credentials_account_id_name")),
    )
    op.create_index("ix_credentials_account_id_id", "credentials", ["account_id", "id"])

    op.create_table(
        "account_secrets",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("lookup_key", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sealed_value", sa.LargeBinary(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_secrets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_secrets")),
        sa.UniqueConstraint(
            "account_id", "lookup_key", name=op.f("uq_account_secrets_account_id_lookup_key")
        ),
    )
    op.create_index("ix_account_secrets_account_id_id", "account_secrets", ["account_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_account_secrets_account_id_id", table_name="account_secrets")
    op.drop_table("account_secrets")
    op.drop_index("ix_credentials_account_id_id", table_name="credentials")
    op.drop_table("credentials")
