"""spans: spans, their metadata index and text index, and span assessments

Revision ID: 0015_spans
Revises: 0014_repeats
Create Date: 2026-12-01 16:00:00

The text index differs by dialect (yardstick.span.search_text): SQLite gets the FTS5 table
`spans_fts`, which yardstick.span.text_index writes, and a partial index of the in-progress
spans it leaves out; PostgreSQL gets the `pg_trgm` extension and a GIN index over the text.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yardstick.db.types import UtcDateTime

revision: str = "0015_spans"
down_revision: str | Sequence[str] | None = "0014_repeats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OVERWRITE = sa.text("assessment_type = 'overwrite'")


# yardstick.span.search_text's document: PostgreSQL's index must be on this very expression.
_PG_DOCUMENT = (
    "left(name, 1000) || chr(10) || left(input, 4000) || chr(10) || left(output, 4000)"
    " || chr(10) || left(metadata, 4000)"
)
IN_PROGRESS = sa.text("end_timestamp IS NULL")


def upgrade() -> None:
    op.create_table(
        "spans",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("id", sa.String(length=256), nullable=False),
        sa.Column("trace_id", sa.String(length=256), nullable=False),
        sa.Column("parent_id", sa.String(length=256), nullable=True),
        sa.Column("group_id", sa.String(length=256), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("application_interaction_id", sa.String(length=256), nullable=True),
        sa.Column("application_variant_id", sa.String(length=256), nullable=True),
        sa.Column("start_timestamp", UtcDateTime(), nullable=False),
        sa.Column("end_timestamp", UtcDateTime(), nullable=True),
        sa.Column("duration_us", sa.BigInteger(), nullable=True),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=True),
        sa.Column("output_tokens", sa.BigInteger(), nullable=True),
        sa.Column("obs_trace_id", sa.String(length=64), nullable=True),
        sa.Column("obs_span_id", sa.String(length=64), nullable=True),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_spans_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_spans")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_spans_account_id_id")),
    )
    op.create_index("ix_spans_account_start", "spans", ["account_id", "start_timestamp", "id"])
    op.create_index(
        "ix_spans_account_trace", "spans", ["account_id", "trace_id", "start_timestamp"]
    )
    op.create_index("ix_spans_account_parent", "spans", ["account_id", "parent_id"])
    op.create_index("ix_spans_account_group", "spans", ["account_id", "group_id"])

    op.create_table(
        "span_metadata_values",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("start_timestamp", UtcDateTime(), nullable=False),
        sa.Column("span_id", sa.String(length=256), nullable=False),
        sa.Column("span_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["span_seq"],
            ["spans.seq"],
            name=op.f("fk_span_metadata_values_span_seq_spans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "account_id",
            "key",
            "value",
            "start_timestamp",
            "span_id",
            name=op.f("pk_span_metadata_values"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_span_metadata_values_span", "span_metadata_values", ["span_seq", "key", "value"]
    )

    op.create_table(
        "span_assessments",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("span_id", sa.String(length=256), nullable=False),
        sa.Column("trace_id", sa.String(length=256), nullable=False),
        sa.Column("assessment_type", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("approval", sa.String(length=16), nullable=True),
        sa.Column("rubric", sa.JSON(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("overwrite", sa.JSON(), nullable=True),
        sa.Column("created_by_user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_span_assessments_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_span_assessments")),
    )
    op.create_index(
        "ix_span_assessments_span", "span_assessments", ["account_id", "span_id", "created_at"]
    )
    op.create_index(
        "ix_span_assessments_trace", "span_assessments", ["account_id", "trace_id", "created_at"]
    )
    op.create_index(
        "ix_span_assessments_overwrite",
        "span_assessments",
        ["account_id", "span_id"],
        unique=True,
        sqlite_where=OVERWRITE,
        postgresql_where=OVERWRITE,
    )

    if op.get_bind().dialect.name == "postgresql":
        # A trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX ix_spans_text ON spans USING gin (lower({_PG_DOCUMENT}) gin_trgm_ops)"
        )
    else:
        # Written by yardstick.span.text_index: the documents of completed spans, as trigrams
        # without positions (LIKE decides a match) and no copy of the text.
        op.execute(
            "CREATE VIRTUAL TABLE spans_fts USING fts5("
            "document, content='', tokenize='trigram', detail='none')"
        )
        # The spans that index leaves out, which a text search reads directly.
        op.create_index(
            "ix_spans_in_progress", "spans", ["account_id", "seq"], sqlite_where=IN_PROGRESS
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_spans_text")  # the extension stays: others may use it
    else:
        op.drop_index("ix_spans_in_progress", table_name="spans")
        op.execute("DROP TABLE spans_fts")
    op.drop_index("ix_span_assessments_overwrite", table_name="span_assessments")
    op.drop_index("ix_span_assessments_trace", table_name="span_assessments")
    op.drop_index("ix_span_assessments_span", table_name="span_assessments")
    op.drop_table("span_assessments")
    op.drop_index("ix_span_metadata_values_span", table_name="span_metadata_values")
    op.drop_table("span_metadata_values")
    op.drop_index("ix_spans_account_group", table_name="spans")
    op.drop_index("ix_spans_account_parent", table_name="spans")
    op.drop_index("ix_spans_account_trace", table_name="spans")
    op.drop_index("ix_spans_account_start", table_name="spans")
    op.drop_table("spans")
