"""summary columns and indexes: each cell's value classified (number, label), four narrow indexes

Revision ID: 0007_summary_indexes
Revises: 0006_run_control
Create Date: 2026-11-30 23:00:00

A summary of a 1,000,000-item evaluation must take seconds, and scanning the cells themselves
(values, errors, details) costs several. `value_number` and `value_label` are generated columns
(computed by the database on every write, so no writer changes), stored so that the indexes
holding them cover the summary's queries.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007_summary_indexes"
down_revision: str | Sequence[str] | None = "0006_run_control"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same expressions as yardstick.db.json_sql (JsonNumber, JsonLabel), frozen here.
NUMBER = {
    "sqlite": "CASE WHEN json_type(value) IN ('integer', 'real') THEN CAST(value AS REAL) END",
    "postgresql": "CASE WHEN json_typeof(value) = 'number' "
    "THEN CAST(CAST(value AS TEXT) AS DOUBLE PRECISION) END",
}
LABEL = {
    "sqlite": "CASE WHEN json_type(value) IN ('text', 'true', 'false') "
    "AND length(value) <= 100 THEN value END",
    "postgresql": "CASE WHEN json_typeof(value) IN ('string', 'boolean') "
    "AND length(CAST(value AS TEXT)) <= 100 THEN CAST(value AS TEXT) END",
}
TIMED = (
    "latency_ms IS NOT NULL OR prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL "
    "OR cost_usd IS NOT NULL"
)
# name: (columns, partial-index condition)
INDEXES = {
    "counts": (["evaluation_id", "alias", "status", "error_type"], None),
    "timing": (
        ["evaluation_id", "alias", "latency_ms", "prompt_tokens", "completion_tokens", "cost_usd"],
        TIMED,
    ),
    "numbers": (["evaluation_id", "alias", "value_number"], "value_number IS NOT NULL"),
    "labels": (["evaluation_id", "alias", "value_label"], "value_label IS NOT NULL"),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    columns: list[sa.Column[Any]] = [
        sa.Column(
            "value_number", sa.Float(), sa.Computed(sa.text(NUMBER[dialect]), persisted=True)
        ),
        sa.Column("value_label", sa.Text(), sa.Computed(sa.text(LABEL[dialect]), persisted=True)),
    ]
    if dialect == "sqlite":
        # SQLite adds only virtual generated columns in place; a stored one needs the table
        # copied, which batch mode does (indexes and constraints are carried over).
        with op.batch_alter_table("task_results", recreate="always") as batch:
            for column in columns:
                batch.add_column(column)
    else:
        for column in columns:
            op.add_column("task_results", column)
    for name, (index_columns, condition) in INDEXES.items():
        where = None if condition is None else sa.text(condition)
        op.create_index(
            f"ix_task_results_summary_{name}",
            "task_results",
            index_columns,
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(f"ix_task_results_summary_{name}", table_name="task_results")
    with op.batch_alter_table("task_results") as batch:
        batch.drop_column("value_label")
        batch.drop_column("value_number")
