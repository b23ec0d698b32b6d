"""annotation tasks: an index of the tasks held by each person

A claim first looks for the caller's own task in the queue, and history lists a person's tasks;
without this index both read every open task of the queue (a sixth of a second at 100,000
items, on every claim). Partial: most tasks are nobody's until claimed.

Revision ID: 0023_annotation_assignee_index
Revises: 0022_dataset_versions_opened
Create Date: 2026-12-02 06:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_annotation_assignee_index"
down_revision: str | Sequence[str] | None = "0022_dataset_versions_opened"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ASSIGNED = sa.text("assigned_to IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_annotation_tasks_assignee",
        "annotation_tasks",
        ["assigned_to", "queue_id"],
        sqlite_where=_ASSIGNED,
        postgresql_where=_ASSIGNED,
    )


def downgrade() -> None:
    op.drop_index("ix_annotation_tasks_assignee", table_name="annotation_tasks")
