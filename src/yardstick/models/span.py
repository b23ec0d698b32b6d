from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.models.base import Base

# Ids of spans, traces and groups: at most 256 characters (SGP's limit), so they fit an index.
SPAN_REF = 256
# A span id as search orders it (ties of start_timestamp, and the cursor): by code point on
# PostgreSQL too, as on SQLite, whatever the database's own collation (en_US put `_x` first).
SPAN_ID = String(SPAN_REF).with_variant(String(SPAN_REF, collation="C"), "postgresql")


class Span(Base):
    """One span of a trace (SGP's `Span`), written by the span routes, OTLP ingest and the
    engine through `yardstick.span.service`.

    Span ids are the client's (uuid4 usually) and unique within an account; `seq` is the
    row's own key, which the full-text index of SQLite refers to. `input`, `output`,
    `expected` and `metadata` hold JSON text exactly as serialized (and redacted) once at
    write time: responses splice it in without parsing it again, and text search reads it.

    Text search has an index outside this model, made by the migration: on SQLite the FTS5
    table `spans_fts` (trigram tokens), kept in step by triggers on this table; on PostgreSQL
    a `pg_trgm` GIN index over the same text (`yardstick.span.search_text`).
    """

    __tablename__ = "spans"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    id: Mapped[str] = mapped_column(SPAN_ID)
    trace_id: Mapped[str] = mapped_column(String(SPAN_REF))
    parent_id: Mapped[str | None] = mapped_column(String(SPAN_REF))
    group_id: Mapped[str | None] = mapped_column(String(SPAN_REF))
    name: Mapped[str] = mapped_column(Text)
    application_interaction_id: Mapped[str | None] = mapped_column(String(SPAN_REF))
    application_variant_id: Mapped[str | None] = mapped_column(String(SPAN_REF))
    start_timestamp: Mapped[datetime]
    end_timestamp: Mapped[datetime | None]
    # end - start, for the duration filters; null while the span is in progress.
    duration_us: Mapped[int | None] = mapped_column(BigInteger)
    input: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text)
    expected: Mapped[str | None] = mapped_column(Text)
    # `metadata` is taken by SQLAlchemy.
    metadata_: Mapped[str] = mapped_column("metadata", Text)
    status: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32))
    input_tokens: Mapped[int | None] = mapped_column(BigInteger)
    output_tokens: Mapped[int | None] = mapped_column(BigInteger)
    obs_trace_id: Mapped[str | None] = mapped_column(String(64))
    obs_span_id: Mapped[str | None] = mapped_column(String(64))
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        # The span of an id (every write looks its batch up here), and the assessments' joins.
        UniqueConstraint("account_id", "id"),
        # Search's default order and its time window: newest first, then id.
        Index("ix_spans_account_start", "account_id", "start_timestamp", "id"),
        Index("ix_spans_account_trace", "account_id", "trace_id", "start_timestamp"),
        # Children of a span: `parent_ids`, and the write rules' parent checks.
        Index("ix_spans_account_parent", "account_id", "parent_id"),
        Index("ix_spans_account_group", "account_id", "group_id"),
    )


class SpanMetadataValue(Base):
    """One scalar of a span's top-level metadata, for `extra_metadata` and the agentex
    filters: `key` and `value` as `yardstick.span.metadata_index` encodes them (a value of
    an array is one row per element). Rewritten with its span; both dialects search it the
    same way, so they give the same answers.

    Each row carries its span's place in search order (`start_timestamp`, `span_id`): the
    primary key then lists the spans of one key and value newest first, so the first page of
    a metadata search reads its rows in order and stops, however many spans hold the value.
    `span_seq` joins the span's row.
    """

    __tablename__ = "span_metadata_values"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str] = mapped_column(String(256), primary_key=True)
    start_timestamp: Mapped[datetime] = mapped_column(primary_key=True)
    span_id: Mapped[str] = mapped_column(SPAN_ID, primary_key=True)
    span_seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("spans.seq", ondelete="CASCADE")
    )

    __table_args__ = (
        # A span's rows: to replace them when the span is written again, and to check a
        # filter span by span.
        Index("ix_span_metadata_values_span", "span_seq", "key", "value"),
        # SQLite keeps the rows in the primary key itself, with no rowid table.
        {"sqlite_with_rowid": False},
    )
