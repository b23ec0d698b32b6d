"""evaluations.replaced_*: what the cells a retry or a task change replaced had used

Revision ID: 0029_evaluation_replaced_usage
Revises: 0028_value_label_code_point
Create Date: 2026-12-05 08:30:00

A retry deletes the errored cells it computes again, and a task change the cells it made
stale. Their tokens and cost went with them, so `usage` fell after a retry, and a budget
counted only the cells alive: a judge that failed after three priced asks was paid for again
on every retry, with no limit. The evaluation now keeps what the replaced cells had used.
Evaluations changed before this revision start from zero.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_evaluation_replaced_usage"
down_revision: str | Sequence[str] | None = "0028_value_label_code_point"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("replaced_prompt_tokens", sa.BigInteger()),
    ("replaced_completion_tokens", sa.BigInteger()),
    ("replaced_cost_usd", sa.Float()),
)


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        for name, _ in _COLUMNS:
            batch.drop_column(name)
