from typing import Any

import orjson
from pydantic import BaseModel, Field

from yardstick.evaluation_item.repository import Cell, ItemRow
from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json


class TaskErrorOut(BaseModel):
    type: str
    message: str


class EvaluationItemOut(BaseModel):
    object: str = "evaluation.item"
    id: str
    evaluation_id: str
    data: dict[str, Any] = Field(description="The row, with each task's result under its alias")
    dataset_item_id: str | None
    dataset_item_version_num: int | None
    task_errors: dict[str, TaskErrorOut] = Field(description="Per alias whose cell errored")
    task_result_statuses: dict[str, str] = Field(description="Per task alias: its cell's status")
    task_metadata: dict[str, dict[str, Any]] = Field(
        description="Per alias with a cell: its model usage, finish reason, latency_ms, attempts"
    )
    created_at: str
    created_by_user_id: str
    created_by: Identity
    archived_at: str | None
    files: dict[str, str]
    repeat: int = Field(description="Yardstick: which run of its row this item is, from 0")
    row_item_id: str | None = Field(
        description="Yardstick: the id of its row's first item when the row runs several times"
    )


class EvaluationItemList(ListOut[EvaluationItemOut]):
    pass


# Cell statuses whose value is the task's result.
HAS_VALUE = frozenset({"completed", "prefilled"})


def item_json(item: ItemRow, cells: list[Cell]) -> dict[str, Any]:
    """The input row with every task's result merged in under its alias.

    A task with no result yet reads `null` and status `pending`; a failed one reads `null` with
    its error under `task_errors[alias]`; a skipped one (its run condition was false) `null`.
    """
    by_alias = {cell.alias: cell for cell in cells}
    results: dict[str, Any] = {}
    statuses: dict[str, str] = {}
    errors: dict[str, dict[str, str]] = {}
    metadata: dict[str, dict[str, Any]] = {}
    for task in item.tasks:
        alias = task["alias"]
        cell = by_alias.get(alias)
        statuses[alias] = cell.status if cell else "pending"
        results[alias] = cell.value if cell and cell.status in HAS_VALUE else None
        if cell and cell.status == "errored":
            errors[alias] = {
                "type": cell.error_type or "Error",
                "message": cell.error_message or "",
            }
        if cell:
            metadata[alias] = {
                **(cell.details or {}),
                "latency_ms": cell.latency_ms,
                "attempts": cell.attempts,
            }
    data: Any = orjson.Fragment(item.data)
    if results:
        data = {**orjson.loads(item.data), **results}
    return {
        "object": "evaluation.item",
        "id": item.id,
        "evaluation_id": item.evaluation_id,
        "data": data,
        "dataset_item_id": item.dataset_item_id,
        "dataset_item_version_num": item.dataset_item_version_num,
        "task_errors": errors,
        "task_result_statuses": statuses,
        # Per cell: model usage, finish reason, latency, attempts (a forward-compatible extra).
        "task_metadata": metadata,
        "created_at": format_ts(item.created_at),
        "created_by_user_id": item.created_by_user_id,
        "created_by": identity_json(item.created_by_user_id),
        "archived_at": format_ts(item.archived_at),
        "files": item.files or {},
        # Yardstick, for `repeats`: which run of the row this is, and the row's first item.
        "repeat": item.repeat,
        "row_item_id": item.row_item_id,
    }
