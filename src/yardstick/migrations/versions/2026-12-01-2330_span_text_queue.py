"""span_text_queue: SQLite's spans waiting for the text index

Revision ID: 0016_span_text_queue
Revises: 0015_spans
Create Date: 2026-12-01 23:30:00

Writes no longer index span text themselves: they queue the rows, and the worker indexes them
behind (yardstick.span.text_index). Nothing to move: the spans indexed so far stay indexed.
PostgreSQL's GIN index follows its table and has no queue.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_span_text_queue"
down_revision: str | Sequence[str] | None = "0015_spans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The rows only: a queue read in order and emptied by range.
        op.execute("CREATE TABLE span_text_queue (seq INTEGER PRIMARY KEY)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Index what is still queued first: the previous revision's writes index as they go.
        op.execute(
            "INSERT INTO spans_fts (rowid, document) SELECT s.seq, "
            "substr(s.name, 1, 1000) || char(10) || substr(s.input, 1, 4000) || char(10) || "
            "substr(s.output, 1, 4000) || char(10) || substr(s.metadata, 1, 4000) "
            "FROM span_text_queue q JOIN spans s ON s.seq = q.seq "
            "WHERE s.end_timestamp IS NOT NULL"
        )
        op.execute("DROP TABLE span_text_queue")
