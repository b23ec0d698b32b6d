"""task_results.value_label in code point order on PostgreSQL

Revision ID: 0028_value_label_code_point
Revises: 0027_span_id_code_point_order
Create Date: 2026-12-05 08:00:00

The results table sorted by a label alias pages by (value_label, item id), straight off the
summary labels index. PostgreSQL compared the labels in the database's collation: on an
`en_US` database `"_under"` came first and `"alpha"` before `"Alpha"`, where SQLite (and a `C`
database) order them by code point, so the two backends showed the same page in different
orders. The column now uses the `C` collation (its index is rebuilt with it); equality and
grouping are the same under either.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028_value_label_code_point"
down_revision: str | Sequence[str] | None = "0027_span_id_code_point_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f'ALTER TABLE task_results ALTER COLUMN value_label TYPE TEXT COLLATE "{collation}"'
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
