"""evaluation kept results; the summary value indexes end with the item id

Revision ID: 0018_evaluation_kept_results
Revises: 0017_evaluation_dashboards
Create Date: 2026-12-02 03:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yardstick.db.types import UtcDateTime

revision: str = "0018_evaluation_kept_results"
down_revision: str | Sequence[str] | None = "0017_evaluation_dashboards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, value column): rebuilt with the item id last, so ties of a value are in item order.
VALUE_INDEXES = (
    ("ix_task_results_summary_numbers", "value_number"),
    ("ix_task_results_summary_labels", "value_label"),
)


def _value_index(name: str, column: str, *, with_item: bool) -> None:
    columns = ["evaluation_id", "alias", column] + (["item_id"] if with_item else [])
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(name, "task_results", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    op.create_table(
        "evaluation_kept_results",
        sa.Column("evaluation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.Column("compute_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_kept_results_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "kind", name=op.f("pk_evaluation_kept_results")),
    )
    for name, column in VALUE_INDEXES:
        op.drop_index(name, table_name="task_results")
        _value_index(name, column, with_item=True)


def downgrade() -> None:
    for name, column in VALUE_INDEXES:
        op.drop_index(name, table_name="task_results")
        _value_index(name, column, with_item=False)
    op.drop_table("evaluation_kept_results")
