"""What a reviewer is shown for one task: the item as the queue's layout shows it, the questions,
and the answers given so far.

The layout is the contributor task's own (containers with `children`, components with a `data`
locator), each component given the `value` its locator reads from the item: the row's input
with every task's result merged in under its alias, as items read everywhere else. A locator
that reads nothing (a field the row lacks, a task that failed on the item) gives `value` null
and an `error` saying why, rather than failing the whole view. When the queue's tasks have
different layouts they are shown one after the other, as the children of one column.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from yardstick.annotation.answers import as_submitted
from yardstick.annotation.questions import QueueQuestion
from yardstick.annotation.queues import is_contributor, queue_id_of
from yardstick.annotation.schemas import task_json
from yardstick.evaluation_item.repository import Cell
from yardstick.evaluation_item.schemas import HAS_VALUE
from yardstick.models import AnnotationTask
from yardstick.task.locator import LocatorError, UpstreamError, lookup


@dataclass(frozen=True)
class Review:
    """One reviewer's answers to an item, shown to its auditors."""

    task_id: str
    slot: int
    reviewer: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class TaskView:
    task: AnnotationTask
    item_id: str
    layout: dict[str, Any]
    files: dict[str, str]
    questions: list[QueueQuestion]
    # This task's answers as submitted, or None before its first submit.
    answers: dict[str, Any] | None
    # For an audit: the reviewers' answers to the item; None for other tasks.
    reviews: list[Review] | None


def item_values(data_text: str, cells: Sequence[Cell]) -> tuple[dict[str, Any], set[str]]:
    """The row with each result merged in under its alias, and the aliases that failed."""
    data = orjson.loads(data_text)
    merged: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
    failed = set()
    for cell in cells:
        if cell.status in HAS_VALUE:
            merged[cell.alias] = cell.value
        elif cell.status == "errored":
            failed.add(cell.alias)
    return merged, failed


def _filled(node: Any, item: dict[str, Any], failed: set[str], aliases: set[str]) -> Any:
    """The layout with each component's value; `aliases` are the evaluation's tasks'."""
    if not isinstance(node, dict):
        return node
    if "children" in node:
        children = node.get("children") or []
        return {**node, "children": [_filled(c, item, failed, aliases) for c in children]}
    out = dict(node)
    try:
        out["value"] = lookup(item, node["data"], failed)
    except (LocatorError, UpstreamError) as exc:
        out["value"] = None
        out["error"] = str(exc)
        alias = _alias_read(node["data"])
        if alias in aliases and alias not in item and alias not in failed:
            # A task's result not there yet: the item has the field, it is not ready.
            out["error"] = f"{node['data']!r}: task {alias!r} has no result for this item yet"
    return out


def _alias_read(locator: Any) -> str | None:
    """The first field a locator reads (`item.answer.text` → `answer`)."""
    if not isinstance(locator, str) or not locator.startswith("item."):
        return None
    return locator.removeprefix("item.").split(".", 1)[0]


def layout_for(
    tasks: Sequence[dict[str, Any]],
    evaluation_id: str,
    queue_id: str,
    item: dict[str, Any],
    failed: set[str],
) -> dict[str, Any]:
    layouts: list[dict[str, Any]] = []
    for task in tasks:
        if is_contributor(task) and queue_id_of(task, evaluation_id) == queue_id:
            layout = task["configuration"]["layout"]
            if layout not in layouts:
                layouts.append(layout)
    aliases = {task["alias"] for task in tasks}
    filled: list[dict[str, Any]] = [_filled(layout, item, failed, aliases) for layout in layouts]
    if len(filled) == 1:
        return filled[0]
    return {"direction": "column", "children": filled}


def submitted(rows: Sequence[tuple[str, Any, dict[str, Any] | None]]) -> dict[str, Any] | None:
    """{alias: answer as submitted} of one task's answer rows (alias, value, details)."""
    if not rows:
        return None
    return {alias: as_submitted(value, details) for alias, value, details in rows}


def _question_json(question: QueueQuestion) -> dict[str, Any]:
    q = question.question
    rubric = question.rubric
    return {
        "alias": question.alias,
        "question": {
            "id": q.id,
            "name": q.name,
            "prompt": q.prompt,
            "question_type": q.question_type,
            "configuration": q.configuration,
        },
        "required": question.required,
        "rubric": None
        if rubric is None
        else {
            "id": rubric.rubric_id,
            "version": rubric.version,
            "criteria": rubric.criteria_json(),
        },
    }


def view_json(view: TaskView) -> dict[str, Any]:
    return {
        **task_json(view.task),
        "item": {"id": view.item_id, "layout": view.layout, "files": view.files},
        "questions": [_question_json(question) for question in view.questions],
        "answers": view.answers,
        "reviews": None
        if view.reviews is None
        else [
            {
                "task_id": review.task_id,
                "slot": review.slot,
                "reviewer": review.reviewer,
                "answers": review.answers,
            }
            for review in view.reviews
        ],
    }
