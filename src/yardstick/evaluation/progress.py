"""Progress of evaluations, derived from their cells (never stored twice).

An item is successful when every executable task's cell completed (or was skipped), failed
when any cell errored, pending otherwise. Counts come from two grouped queries for a whole
page, and the first failed items (with their first error) from one windowed query.

`workflows` counts runs: one per evaluation that has executable tasks, in the state of the
evaluation's status.

Counting groups every cell of the evaluation by item (about half a second at 100,000 items), so
each process keeps an evaluation's progress for PROGRESS_TTL_SECONDS, keyed by what changes
when a run does (status, run number, last update): a client polling a run many times a second
costs one count per second, and a status change is seen at once.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_, select
from sqlalchemy.orm import Session

from yardstick.models import Evaluation, TaskResult
from yardstick.task.spec import is_executable

FAILED_ITEMS_SHOWN = 100
PROGRESS_TTL_SECONDS = 1.0
_CACHE_SIZE = 1000
_cache: dict[str, tuple[float, tuple[Any, ...], dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def failed_items_of(
    session: Session, evaluations: Sequence[Evaluation]
) -> dict[str, list[dict[str, Any]]]:
    """Per evaluation, its first failed items (by row order) with each item's first error.

    "First" is in task order: a later task that reads a failed one fails too (an
    `UpstreamTaskError`), and the error that explains the item is the one it read. Task order
    differs per evaluation, so each failed item's errored cells are read (a handful per item,
    for at most FAILED_ITEMS_SHOWN items) and the first chosen here."""
    errored = TaskResult.status == "errored"
    failed = (
        select(
            TaskResult.item_id,
            func.row_number()
            .over(partition_by=TaskResult.evaluation_id, order_by=TaskResult.item_id)
            .label("nth_item"),
        )
        .where(TaskResult.evaluation_id.in_([e.id for e in evaluations]), errored)
        .group_by(TaskResult.evaluation_id, TaskResult.item_id)
        .subquery()
    )
    shown = select(failed.c.item_id).where(failed.c.nth_item <= FAILED_ITEMS_SHOWN)
    stmt = select(
        TaskResult.evaluation_id,
        TaskResult.item_id,
        TaskResult.alias,
        TaskResult.error_type,
        TaskResult.error_message,
    ).where(TaskResult.item_id.in_(shown), errored)
    position = {e.id: {t["alias"]: n for n, t in enumerate(e.tasks)} for e in evaluations}
    first: dict[tuple[str, str], tuple[tuple[int, str], str | None, str | None]] = {}
    for evaluation_id, item_id, alias, error_type, message in session.execute(stmt):
        # An alias no task has any more sorts after the tasks, by name.
        rank = (position[evaluation_id].get(alias, len(position[evaluation_id])), alias)
        key = (evaluation_id, item_id)
        if key not in first or rank < first[key][0]:
            first[key] = (rank, error_type, message)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (evaluation_id, item_id), (_, error_type, message) in sorted(first.items()):
        out[evaluation_id].append({"item_id": item_id, "error": message, "error_type": error_type})
    return out


def _workflows(evaluation: Evaluation, executable: int) -> dict[str, int]:
    runs = 1 if executable and evaluation.item_count else 0
    return {
        "total": runs,
        "completed": runs if evaluation.status == "completed" else 0,
        "failed": runs if evaluation.status == "failed" else 0,
        "pending": runs if evaluation.status == "running" else 0,
    }


def _fingerprint(evaluation: Evaluation) -> tuple[Any, ...]:
    return (
        evaluation.status,
        evaluation.run_number,
        evaluation.updated_at,
        evaluation.item_count,
        len(evaluation.tasks),
    )


def progress_of(session: Session, evaluations: Sequence[Evaluation]) -> dict[str, dict[str, Any]]:
    """Per evaluation: `progress`, `error_count` and `usage` (see the module doc)."""
    now = time.monotonic()
    out: dict[str, dict[str, Any]] = {}
    with _cache_lock:
        for evaluation in evaluations:
            hit = _cache.get(evaluation.id)
            if hit is not None and hit[0] > now and hit[1] == _fingerprint(evaluation):
                out[evaluation.id] = hit[2]
    missing = [e for e in evaluations if e.id not in out]
    fresh = _count(session, missing)
    with _cache_lock:
        for evaluation in missing:
            _cache.pop(evaluation.id, None)  # re-inserted last: the dict stays in age order
            _cache[evaluation.id] = (
                now + PROGRESS_TTL_SECONDS,
                _fingerprint(evaluation),
                fresh[evaluation.id],
            )
        while len(_cache) > _CACHE_SIZE:
            del _cache[next(iter(_cache))]
    return {**out, **fresh}


def _answers(evaluations: Sequence[Evaluation]) -> ColumnElement[bool]:
    """The cell is one of a task that does not run (a contributor question). Evaluations with
    the same such aliases share one condition, so its parameters stay within a page's ids and
    aliases."""
    by_aliases: dict[frozenset[str], list[str]] = defaultdict(list)
    for evaluation in evaluations:
        aliases = frozenset(t["alias"] for t in evaluation.tasks if not is_executable(t))
        if aliases:
            by_aliases[aliases].append(evaluation.id)
    if not by_aliases:
        return false()
    return or_(
        *(
            and_(TaskResult.evaluation_id.in_(ids), TaskResult.alias.in_(sorted(aliases)))
            for aliases, ids in by_aliases.items()
        )
    )


def _count(session: Session, evaluations: Sequence[Evaluation]) -> dict[str, dict[str, Any]]:
    ids = [e.id for e in evaluations]
    if not ids:
        return {}
    # A skipped cell (its run condition did not hold) is done, as a completed one is; a
    # person's answer is no run's cell, and must not stand in for one still to come.
    done = TaskResult.status.in_(("completed", "skipped")) & not_(_answers(evaluations))
    ok = func.sum(case((done, 1), else_=0)).label("ok")
    bad = func.max(case((TaskResult.status == "errored", 1), else_=0)).label("bad")
    per_item = (
        select(TaskResult.evaluation_id, TaskResult.item_id, ok, bad)
        .where(TaskResult.evaluation_id.in_(ids))
        .group_by(TaskResult.evaluation_id, TaskResult.item_id)
        .subquery()
    )
    histogram = session.execute(
        select(per_item.c.evaluation_id, per_item.c.ok, per_item.c.bad, func.count()).group_by(
            per_item.c.evaluation_id, per_item.c.ok, per_item.c.bad
        )
    ).all()
    cells = session.execute(
        select(
            TaskResult.evaluation_id,
            func.sum(case((TaskResult.status == "errored", 1), else_=0)),
            func.sum(TaskResult.prompt_tokens),
            func.sum(TaskResult.completion_tokens),
            func.sum(TaskResult.cost_usd),
        )
        .where(TaskResult.evaluation_id.in_(ids))
        .group_by(TaskResult.evaluation_id)
    ).all()

    executable = {e.id: sum(1 for t in e.tasks if is_executable(t)) for e in evaluations}
    successful: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    for evaluation_id, ok_cells, any_bad, count in histogram:
        if any_bad:
            failed[evaluation_id] += count
        elif ok_cells >= executable[evaluation_id]:
            successful[evaluation_id] += count
    totals = {row[0]: row[1:] for row in cells}
    failed_items = failed_items_of(session, evaluations) if any(failed.values()) else {}

    out: dict[str, dict[str, Any]] = {}
    for evaluation in evaluations:
        total = evaluation.item_count
        if executable[evaluation.id] == 0:
            succeeded, failures = total, 0
        else:
            succeeded, failures = successful[evaluation.id], failed[evaluation.id]
        errors, prompt_tokens, completion_tokens, cost = totals.get(
            evaluation.id, (0, None, None, None)
        )
        # The cells a retry or a task change replaced were paid for too.
        prompt_tokens = (prompt_tokens or 0) + evaluation.replaced_prompt_tokens
        completion_tokens = (completion_tokens or 0) + evaluation.replaced_completion_tokens
        cost = (cost or 0.0) + evaluation.replaced_cost_usd
        out[evaluation.id] = {
            "progress": {
                "items": {
                    "total": total,
                    "successful": succeeded,
                    "failed": failures,
                    "pending": total - succeeded - failures,
                    "failed_items": failed_items.get(evaluation.id, []),
                },
                "workflows": _workflows(evaluation, executable[evaluation.id]),
            },
            "error_count": int(errors or 0),
            "usage": {
                "prompt_tokens": int(prompt_tokens),
                "completion_tokens": int(completion_tokens),
                "total_tokens": int(prompt_tokens + completion_tokens),
                # Cells whose model has no price count nothing (see yardstick.provider.prices).
                # To a billionth of a dollar, as the budget counts it (execution.cells.spent).
                "cost_usd": round(float(cost), 9),
            },
        }
    return out
