"""annotation tasks: reviewers' turns at evaluation items, and their answers

Revision ID: 0020_annotation_tasks
Revises: 0019_rubrics
Create Date: 2026-12-02 05:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yardstick.db.types import JSONValue, UtcDateTime

revision: str = "0020_annotation_tasks"
down_revision: str | Sequence[str] | None = "0019_rubrics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annotation_tasks",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_item_id", sa.String(length=36), nullable=False),
        sa.Column("queue_id", sa.String(length=256), nullable=False),
        sa.Column("task_type", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("assigned_to", sa.String(length=64), nullable=True),
        sa.Column("assignment_expires_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("flagged_for_review", sa.Boolean(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_annotation_tasks_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_item_id"],
            ["evaluation_items.id"],
            name=op.f("fk_annotation_tasks_evaluation_item_id_evaluation_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_tasks")),
    )
    op.create_index(
        "ix_annotation_tasks_slot",
        "annotation_tasks",
        ["evaluation_item_id", "queue_id", "task_type", "slot"],
        unique=True,
    )
    op.create_index(
        "ix_annotation_tasks_queue",
        "annotation_tasks",
        ["account_id", "queue_id", "status", "position"],
    )
    op.create_index(
        "ix_annotation_tasks_evaluation", "annotation_tasks", ["evaluation_id", "status"]
    )

    op.create_table(
        "annotation_answers",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("alias", sa.String(length=256), nullable=False),
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("evaluation_item_id", sa.String(length=36), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("value", JSONValue(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["annotation_tasks.id"],
            name=op.f("fk_annotation_answers_task_id_annotation_tasks"),
        ),
        sa.PrimaryKeyConstraint("task_id", "alias", name=op.f("pk_annotation_answers")),
    )
    op.create_index(
        "ix_annotation_answers_evaluation",
        "annotation_answers",
        ["evaluation_id", "alias", "evaluation_item_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_annotation_answers_evaluation", table_name="annotation_answers")
    op.drop_table("annotation_answers")
    op.drop_index("ix_annotation_tasks_evaluation", table_name="annotation_tasks")
    op.drop_index("ix_annotation_tasks_queue", table_name="annotation_tasks")
    op.drop_index("ix_annotation_tasks_slot", table_name="annotation_tasks")
    op.drop_table("annotation_tasks")
