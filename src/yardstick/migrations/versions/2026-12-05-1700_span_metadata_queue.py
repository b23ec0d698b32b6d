"""span_metadata_queue: SQLite's spans waiting for their metadata index rows

Revision ID: 0031_span_metadata_queue
Revises: 0030_master_key_check
Create Date: 2026-12-05 17:00:00

Writes on SQLite no longer write a span's metadata index rows themselves: they queue the span,
and the worker (or a metadata search, first) writes the rows behind
(yardstick.span.metadata_queue). Nothing to move: the spans indexed so far stay indexed.
PostgreSQL writes the rows with the span and has no queue.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031_span_metadata_queue"
down_revision: str | Sequence[str] | None = "0030_master_key_check"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A queue read in order and emptied by row; `account_id` lets a search catch up on its
        # own account's rows alone.
        op.execute(
            "CREATE TABLE span_metadata_queue "
            "(seq INTEGER PRIMARY KEY, account_id VARCHAR(128) NOT NULL)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Write what is still queued first: the previous revision's writes index as they go.
        from yardstick.span.metadata_queue import drain

        while drain(op.get_bind()):
            pass
        op.execute("DROP TABLE span_metadata_queue")
