from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import JSON, Computed, Float, ForeignKey, Index, String, Text, column, or_
from sqlalchemy.orm import Mapped, mapped_column

from yardstick.db.json_sql import JsonLabel, JsonNumber
from yardstick.db.types import JSONValue
from yardstick.models.base import Base

_TIMED_COLUMNS = ("latency_ms", "prompt_tokens", "completion_tokens", "cost_usd")
_TIMED_SQL = or_(*(column(name).isnot(None) for name in _TIMED_COLUMNS))


class TaskResult(Base):
    """One cell: the result of one task (by alias) on one evaluation item.

    Keyed by (item, alias) so the engine writes cells independently and idempotently (upsert),
    a run resumes cell by cell, and a task can be re-run or added without touching other cells.
    A cell with no row is pending.
    """

    __tablename__ = "task_results"

    item_id: Mapped[str] = mapped_column(ForeignKey("evaluation_items.id"), primary_key=True)
    alias: Mapped[str] = mapped_column(String(256), primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))  # completed | errored | skipped | pending
    value: Mapped[Any | None] = mapped_column(JSONValue)
    error_type: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Model usage (tokens), finish reason, scorer parameters, judge rationale: per task type.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    latency_ms: Mapped[float | None]
    # Token usage of the model call, as columns so an evaluation's totals are one SUM.
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    # What the model call cost (migration 0006_run_control), summed like tokens.
    cost_usd: Mapped[float | None]
    attempts: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The value classified for summaries, computed by the database on every write (nobody
    # writes them): a JSON number as a float, and a short string or boolean as its JSON text.
    # Stored, not virtual, so the summary indexes below cover their queries (SQLite reads a
    # virtual column from the row even when an index holds it). See evaluation/summary.py.
    value_number: Mapped[float | None] = mapped_column(
        Float, Computed(JsonNumber(column("value")), persisted=True)
    )
    value_label: Mapped[str | None] = mapped_column(
        # In code point order on PostgreSQL too, as SQLite's (migration 0028): the results
        # table and the tallies sort by it.
        Text().with_variant(Text(collation="C"), "postgresql"),
        Computed(JsonLabel(column("value")), persisted=True),
    )

    __table_args__ = (
        Index("ix_task_results_evaluation_id_status", "evaluation_id", "status"),
        # The summary indexes (evaluation/summary_queries.py reads only these, never the rows,
        # which carry values, errors and details). Cells of one (alias, status, error type) sit
        # in write order, so writing a cell appends here rather than inserting at random:
        Index("ix_task_results_summary_counts", "evaluation_id", "alias", "status", "error_type"),
        # Sorted by latency (for percentiles by offset), with what sums alongside. Only cells
        # with a latency, tokens or cost: model calls and scorers, not prefilled answers.
        Index(
            "ix_task_results_summary_timing",
            "evaluation_id",
            "alias",
            "latency_ms",
            "prompt_tokens",
            "completion_tokens",
            "cost_usd",
            sqlite_where=_TIMED_SQL,
            postgresql_where=_TIMED_SQL,
        ),
        # Numbers and labels end with the item id: equal values (a 0/1 metric, a judge's three
        # labels) then come in item order, so the results table sorted by an alias pages by
        # (value, item id) straight off the index (migration 0018).
        Index(
            "ix_task_results_summary_numbers",
            "evaluation_id",
            "alias",
            "value_number",
            "item_id",
            sqlite_where=column("value_number").isnot(None),
            postgresql_where=column("value_number").isnot(None),
        ),
        Index(
            "ix_task_results_summary_labels",
            "evaluation_id",
            "alias",
            "value_label",
            "item_id",
            sqlite_where=column("value_label").isnot(None),
            postgresql_where=column("value_label").isnot(None),
        ),
    )


# The timing index's condition, for queries: a query must state it to use that partial index.
TIMED = or_(
    TaskResult.latency_ms.isnot(None),
    TaskResult.prompt_tokens.isnot(None),
    TaskResult.completion_tokens.isnot(None),
    TaskResult.cost_usd.isnot(None),
)


class CellRow(TypedDict):
    """One cell as the engine writes it (an upsert of `task_results`): typed, and still a plain
    dict, so a batch goes to the driver as it is."""

    item_id: str
    alias: str
    evaluation_id: str
    status: str
    value: Any
    error_type: str | None
    error_message: str | None
    details: dict[str, Any] | None
    latency_ms: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    attempts: int
    started_at: datetime
    finished_at: datetime
