"""evaluation groups: groups, their members and their row identifiers

Revision ID: 0013_evaluation_groups
Revises: 0012_api_key_scheme
Create Date: 2026-12-01 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from yardstick.db.types import UtcDateTime

revision: str = "0013_evaluation_groups"
down_revision: str | Sequence[str] | None = "0012_api_key_scheme"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "evaluation_groups",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_evaluation_groups_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_groups")),
    )
    op.create_index("ix_evaluation_groups_account_id_id", "evaluation_groups", ["account_id", "id"])

    op.create_table(
        "evaluation_group_members",
        sa.Column("evaluation_group_id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_group_id"],
            ["evaluation_groups.id"],
            # The name the models' naming convention gives, shortened to PostgreSQL's 63.
            name=op.f("fk_evaluation_group_members_evaluation_group_id_evaluat_711f"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_group_members_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_group_members")),
    )
    op.create_index(
        "ix_evaluation_group_members_group",
        "evaluation_group_members",
        ["evaluation_group_id", "id"],
    )
    op.create_index(
        "ix_evaluation_group_members_live",
        "evaluation_group_members",
        ["evaluation_id", "evaluation_group_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )

    op.create_table(
        "evaluation_group_row_identifiers",
        sa.Column("evaluation_group_id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("column_name", sa.String(length=512), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_group_id"],
            ["evaluation_groups.id"],
            name=op.f("fk_evaluation_group_row_identifiers_evaluation_group_id_9732"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_group_row_identifiers_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_group_row_identifiers")),
    )
    op.create_index(
        "ix_evaluation_group_row_identifiers_group",
        "evaluation_group_row_identifiers",
        ["evaluation_group_id", "evaluation_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_evaluation_group_row_identifiers_group", table_name="evaluation_group_row_identifiers"
    )
    op.drop_table("evaluation_group_row_identifiers")
    op.drop_index("ix_evaluation_group_members_live", table_name="evaluation_group_members")
    op.drop_index("ix_evaluation_group_members_group", table_name="evaluation_group_members")
    op.drop_table("evaluation_group_members")
    op.drop_index("ix_evaluation_groups_account_id_id", table_name="evaluation_groups")
    op.drop_table("evaluation_groups")
