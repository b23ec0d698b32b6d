"""questions, registered models and files

Revision ID: 0002_questions_models_files
Revises: 3530a27f3e62
Create Date: 2026-11-29 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yardstick.db.types

revision: str = "0002_questions_models_files"
down_revision: str | Sequence[str] | None = "3530a27f3e62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UtcDateTime = yardstick.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("question_type", sa.String(length=32), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_questions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index("ix_questions_account_id_id", ["account_id", "id"], unique=False)

    op.create_table(
        "inference_models",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("model_vendor", sa.String(length=32), nullable=False),
        sa.Column("model_type", sa.String(length=32), nullable=False),
        sa.Column("model_metadata", sa.JSON(), nullable=False),
        sa.Column("vendor_configuration", sa.JSON(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("ready_at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_inference_models_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inference_models")),
        sa.UniqueConstraint(
            "account_id",
            "model_vendor",
            "name",
            name=op.f("uq_inference_models_account_id_model_vendor_name"),
        ),
    )
    with op.batch_alter_table("inference_models", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inference_models_account_id_id", ["account_id", "id"], unique=False
        )

    op.create_table(
        "files",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("filename", sa.String(length=1024), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5_checksum", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_files_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.create_index("ix_files_account_id_id", ["account_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_index("ix_files_account_id_id")
    op.drop_table("files")

    with op.batch_alter_table("inference_models", schema=None) as batch_op:
        batch_op.drop_index("ix_inference_models_account_id_id")
    op.drop_table("inference_models")

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index("ix_questions_account_id_id")
    op.drop_table("questions")
