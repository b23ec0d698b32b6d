"""Prefilled contributor answers: `prefill_from` on a `contributor_evaluation.question` task.

When an item already has a value in the named column, that value is the task's result from the
start, stored as a cell with status `prefilled` in the create's transaction (a human may still
confirm it; with `skip_prefilled_rows` nobody is asked to). Items without a value stay pending.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from yardstick.evaluation.results_version import results_changed
from yardstick.kit.bulk import bulk_insert
from yardstick.models import TaskResult

_COLUMNS = (
    "item_id",
    "alias",
    "evaluation_id",
    "status",
    "value",
    "attempts",
    "started_at",
    "finished_at",
)


def prefill_columns(tasks: Sequence[dict[str, Any]]) -> dict[str, str]:
    """{alias: column} of the contributor tasks that prefill from a column."""
    return {
        task["alias"]: task["configuration"]["prefill_from"]
        for task in tasks
        if task["task_type"] == "contributor_evaluation.question"
        and isinstance(task["configuration"].get("prefill_from"), str)
    }


def prefilled_cells(
    session: Session,
    *,
    evaluation_id: str,
    tasks: Sequence[dict[str, Any]],
    items: Sequence[tuple[str, str]],
    now: datetime,
) -> None:
    """Store a `prefilled` cell for each (item, prefilling task) whose column holds a value."""
    columns = prefill_columns(tasks)
    if not columns:
        return
    rows = []
    for item_id, text in items:
        data = orjson.loads(text)
        if not isinstance(data, dict):
            continue
        for alias, column in columns.items():
            value = data.get(column)
            if value is not None:
                rows.append((item_id, alias, evaluation_id, "prefilled", value, 0, now, now))
    bulk_insert(session, TaskResult.__table__, _COLUMNS, rows)  # type: ignore[arg-type]
    if rows:
        results_changed(session, [evaluation_id])
