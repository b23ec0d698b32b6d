"""evaluation dashboards: dashboards, widgets, cached widget results, results versions

Revision ID: 0017_evaluation_dashboards
Revises: 0016_span_text_queue
Create Date: 2026-12-02 00:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from yardstick.db.types import UtcDateTime

revision: str = "0017_evaluation_dashboards"
down_revision: str | Sequence[str] | None = "0016_span_text_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "evaluation_dashboard_widgets",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=True),
        sa.Column("query", sa.JSON(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_evaluation_dashboard_widgets_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_dashboard_widgets")),
    )
    op.create_index(
        "ix_evaluation_dashboard_widgets_account_id_id",
        "evaluation_dashboard_widgets",
        ["account_id", "id"],
    )

    op.create_table(
        "evaluation_dashboard_widget_results",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("widget_id", sa.String(length=36), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=True),
        sa.Column("evaluation_group_id", sa.String(length=36), nullable=True),
        sa.Column("computation_status", sa.String(length=16), nullable=False),
        sa.Column("computed_result", sa.JSON(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("computed_at", UtcDateTime(), nullable=True),
        sa.Column("query_hash", sa.String(length=64), nullable=False),
        sa.Column("data_marker", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_evaluation_dashboard_widget_results_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["widget_id"],
            ["evaluation_dashboard_widgets.id"],
            name="fk_evaluation_dashboard_widget_results_widget_id",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_dashboard_widget_results")),
    )
    op.create_index(
        "ix_evaluation_dashboard_widget_results_widget_target",
        "evaluation_dashboard_widget_results",
        ["widget_id", "target_id"],
        unique=True,
    )

    op.create_table(
        "evaluation_dashboards",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", JSON_LIST, nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=True),
        sa.Column("evaluation_group_id", sa.String(length=36), nullable=True),
        sa.Column("widget_order", JSON_LIST, nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_evaluation_dashboards_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_group_id"],
            ["evaluation_groups.id"],
            name=op.f("fk_evaluation_dashboards_evaluation_group_id_evaluation_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_dashboards_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_dashboards")),
    )
    op.create_index(
        "ix_evaluation_dashboards_account_id_id", "evaluation_dashboards", ["account_id", "id"]
    )

    op.create_table(
        "evaluation_result_versions",
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_result_versions_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint(
            "evaluation_id", "slot", name=op.f("pk_evaluation_result_versions")
        ),
    )


def downgrade() -> None:
    op.drop_table("evaluation_result_versions")
    op.drop_index("ix_evaluation_dashboards_account_id_id", table_name="evaluation_dashboards")
    op.drop_table("evaluation_dashboards")
    op.drop_index(
        "ix_evaluation_dashboard_widget_results_widget_target",
        table_name="evaluation_dashboard_widget_results",
    )
    op.drop_table("evaluation_dashboard_widget_results")
    op.drop_index(
        "ix_evaluation_dashboard_widgets_account_id_id", table_name="evaluation_dashboard_widgets"
    )
    op.drop_table("evaluation_dashboard_widgets")
