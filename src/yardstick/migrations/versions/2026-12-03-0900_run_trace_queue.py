"""run_trace_queue: the model calls of a commit's traced cells, waiting to become spans

Revision ID: 0025_run_trace_queue
Revises: 0024_task_results_outcome_stats
Create Date: 2026-12-03 09:00:00

The engine no longer writes a run's spans in its cells' commit: it writes the cells' calls
here, in that commit, and the worker turns them into spans behind the run
(yardstick.span.run_trace_queue). Downgrading needs the queue empty: the previous revision has
nothing that reads it, so its rows would be lost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_run_trace_queue"
down_revision: str | Sequence[str] | None = "0024_task_results_outcome_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_trace_queue",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("cell_count", sa.Integer(), nullable=False),
        sa.Column("cells", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_run_trace_queue_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_run_trace_queue")),
    )
    op.create_index("ix_run_trace_queue_account", "run_trace_queue", ["account_id", "seq"])


def downgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT 1 FROM run_trace_queue LIMIT 1")).first():
        raise RuntimeError(
            "run traces are still queued: start the server until they are written as spans "
            "(the queue is empty), then downgrade"
        )
    op.drop_index("ix_run_trace_queue_account", table_name="run_trace_queue")
    op.drop_table("run_trace_queue")
