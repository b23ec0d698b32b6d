"""initial schema

Revision ID: 3530a27f3e62
Revises:
Create Date: 2026-11-29 18:22:40.791008

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import yardstick.db.types

# revision identifiers, used by Alembic.
revision: str = "3530a27f3e62"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("created_at", yardstick.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "dataset_item_versions",
        sa.Column(
            "row_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version_from", sa.Integer(), nullable=False),
        sa.Column("version_to", sa.Integer(), nullable=True),
        sa.Column("created_at", yardstick.db.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", yardstick.db.types.UtcDateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("archived_at", yardstick.db.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_dataset_item_versions")),
        sa.UniqueConstraint(
            "item_id", "version_from", name=op.f("uq_dataset_item_versions_item_id_version_from")
        ),
    )
    with op.batch_alter_table("dataset_item_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_item_versions_account_current",
            ["account_id", "item_id"],
            unique=False,
            sqlite_where=sa.text("version_to IS NULL"),
            postgresql_where=sa.text("version_to IS NULL"),
        )
        batch_op.create_index(
            "ix_dataset_item_versions_current",
            ["dataset_id", "item_id"],
            unique=True,
            sqlite_where=sa.text("version_to IS NULL"),
            postgresql_where=sa.text("version_to IS NULL"),
        )
        batch_op.create_index(
            "ix_dataset_item_versions_history",
            ["dataset_id", "item_id", "version_from"],
            unique=False,
        )

    op.create_table(
        "api_keys",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lookup", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", yardstick.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_api_keys_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_keys_lookup"), ["lookup"], unique=False)

    op.create_table(
        "datasets",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("current_version_num", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", yardstick.db.types.UtcDateTime(), nullable=False),
        sa.Column("archived_at", yardstick.db.types.UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", yardstick.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_datasets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.create_index("ix_datasets_account_id_id", ["account_id", "id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index("ix_datasets_account_id_id")

    op.drop_table("datasets")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_lookup"))
        batch_op.drop_index(batch_op.f("ix_api_keys_account_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("dataset_item_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_item_versions_history")
        batch_op.drop_index(
            "ix_dataset_item_versions_current",
            sqlite_where=sa.text("version_to IS NULL"),
            postgresql_where=sa.text("version_to IS NULL"),
        )
        batch_op.drop_index(
            "ix_dataset_item_versions_account_current",
            sqlite_where=sa.text("version_to IS NULL"),
            postgresql_where=sa.text("version_to IS NULL"),
        )

    op.drop_table("dataset_item_versions")
    op.drop_table("accounts")
