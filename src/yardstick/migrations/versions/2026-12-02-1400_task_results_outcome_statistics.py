"""task results: PostgreSQL statistics of how alias, status and error type go together

A cell's error type is set only when its status is `errored`, and each alias has its own mix of
both; the planner takes the three as independent. For the results table filtered by an error
type that made it expect ~20 errored cells of a type where a run has thousands, so it read and
sorted all of them (80–190 ms at 1,000,000 items) instead of walking the items in order and
stopping at the page's end (1 ms). Extended statistics (dependencies and the common
combinations) give it the real share. SQLite's planner needs none.

Revision ID: 0024_task_results_outcome_stats
Revises: 0023_annotation_assignee_index
Create Date: 2026-12-02 14:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_task_results_outcome_stats"
down_revision: str | Sequence[str] | None = "0023_annotation_assignee_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "st_task_results_outcome"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE STATISTICS IF NOT EXISTS {NAME} (dependencies, mcv) "
            "ON alias, status, error_type FROM task_results"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {NAME}")
