"""spans.id and span_metadata_values.span_id in code point order on PostgreSQL

Revision ID: 0027_span_id_code_point_order
Revises: 0026_evaluation_run_started_at
Create Date: 2026-12-05 06:00:00

Search orders spans by start_timestamp, then id, and pages with a cursor on both. PostgreSQL
compared the ids in the database's collation: on an `en_US` database, `_x` came before `1`
and `a-1` before `A-1`, where SQLite (and a `C` database) put them by code point, so the two
backends answered the same search in another order. The columns now use the `C` collation
(their indexes are rebuilt with them); equality, which is all the other reads use, is the same
under either. SQLite compares by code point already.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027_span_id_code_point_order"
down_revision: str | Sequence[str] | None = "0026_evaluation_run_started_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("spans", "id"), ("span_metadata_values", "span_id"))


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.execute(
            f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(256) COLLATE "{collation}"'
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
