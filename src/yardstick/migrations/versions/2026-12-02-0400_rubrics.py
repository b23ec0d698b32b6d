"""rubrics: rubrics, their versions, and their criteria's versions

Revision ID: 0019_rubrics
Revises: 0018_evaluation_kept_results
Create Date: 2026-12-02 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from yardstick.db.types import UtcDateTime

revision: str = "0019_rubrics"
down_revision: str | Sequence[str] | None = "0018_evaluation_kept_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rubrics",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("tags", JSON_LIST, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_rubrics_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubrics")),
    )
    op.create_index("ix_rubrics_account_id_id", "rubrics", ["account_id", "id"])

    op.create_table(
        "rubric_versions",
        sa.Column("rubric_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("tags", JSON_LIST, nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name=op.f("fk_rubric_versions_rubric_id_rubrics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_versions")),
    )
    op.create_index(
        "ix_rubric_versions_rubric_version",
        "rubric_versions",
        ["rubric_id", "version"],
        unique=True,
    )

    op.create_table(
        "rubric_criterion_versions",
        sa.Column("criterion_id", sa.String(length=36), nullable=False),
        sa.Column("rubric_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_id"],
            ["rubrics.id"],
            name=op.f("fk_rubric_criterion_versions_rubric_id_rubrics"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_criterion_versions")),
    )
    op.create_index(
        "ix_rubric_criterion_versions_version",
        "rubric_criterion_versions",
        ["criterion_id", "version"],
        unique=True,
    )
    op.create_index(
        "ix_rubric_criterion_versions_rubric",
        "rubric_criterion_versions",
        ["rubric_id", "criterion_id", "version"],
    )


def downgrade() -> None:
    op.drop_index("ix_rubric_criterion_versions_rubric", table_name="rubric_criterion_versions")
    op.drop_index("ix_rubric_criterion_versions_version", table_name="rubric_criterion_versions")
    op.drop_table("rubric_criterion_versions")
    op.drop_index("ix_rubric_versions_rubric_version", table_name="rubric_versions")
    op.drop_table("rubric_versions")
    op.drop_index("ix_rubrics_account_id_id", table_name="rubrics")
    op.drop_table("rubrics")
