"""evaluations, their items and task results

Revision ID: 0003_evaluations
Revises: 0002_questions_models_files
Create Date: 2026-11-29 19:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yardstick.db.types

revision: str = "0003_evaluations"
down_revision: str | Sequence[str] | None = "0002_questions_models_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UtcDateTime = yardstick.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("archived_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_evaluations_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index("ix_evaluations_account_id_id", "evaluations", ["account_id", "id"])

    op.create_table(
        "evaluation_datasets",
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("dataset_id", sa.String(length=36), nullable=False),
        sa.Column("dataset_version_num", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_datasets_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_evaluation_datasets_dataset_id_datasets")
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "dataset_id", name=op.f("pk_evaluation_datasets")),
    )

    op.create_table(
        "evaluation_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("dataset_item_id", sa.String(length=36), nullable=True),
        sa.Column("dataset_item_version_num", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_items_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_items")),
    )
    op.create_index(
        "ix_evaluation_items_evaluation_id_id", "evaluation_items", ["evaluation_id", "id"]
    )
    op.create_index("ix_evaluation_items_account_id_id", "evaluation_items", ["account_id", "id"])

    op.create_table(
        "task_results",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("alias", sa.String(length=256), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value", yardstick.db.types.JSONValue(), nullable=True),
        sa.Column("error_type", sa.String(length=128), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evaluation_items.id"],
            name=op.f("fk_task_results_item_id_evaluation_items"),
        ),
        sa.PrimaryKeyConstraint("item_id", "alias", name=op.f("pk_task_results")),
    )
    op.create_index(
        "ix_task_results_evaluation_id_status", "task_results", ["evaluation_id", "status"]
    )

    op.create_table(
        "engine_workers",
        sa.Column("worker_id", sa.String(length=200), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_engine_workers")),
    )


def downgrade() -> None:
    op.drop_table("engine_workers")
    op.drop_index("ix_task_results_evaluation_id_status", table_name="task_results")
    op.drop_table("task_results")
    op.drop_index("ix_evaluation_items_account_id_id", table_name="evaluation_items")
    op.drop_index("ix_evaluation_items_evaluation_id_id", table_name="evaluation_items")
    op.drop_table("evaluation_items")
    op.drop_table("evaluation_datasets")
    op.drop_index("ix_evaluations_account_id_id", table_name="evaluations")
    op.drop_table("evaluations")
