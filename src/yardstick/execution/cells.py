"""Cell storage for the engine: read what a chunk already finished, upsert what it finishes now,
and the run's state and status changes around them (the writes themselves: `writer`)."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Result, bindparam, func, select, update
from sqlalchemy.orm import Session

from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.evaluation.results_version import results_changed
from yardstick.execution.cell_sql import upsert_rows
from yardstick.execution.storable import plain_text
from yardstick.kit.driver_query import DriverQuery
from yardstick.kit.driver_values import json_object
from yardstick.models import Evaluation, TaskResult
from yardstick.models.task_result import TIMED, CellRow
from yardstick.ops.logs import log_event
from yardstick.task.spec import is_executable

log = logging.getLogger(__name__)
TERMINAL = ("completed", "errored", "skipped")
# What a chunk reads back: the terminal cells, and contributor answers prefilled at create
# (never run, so never terminal, but their values are readable by later tasks).
READABLE = (*TERMINAL, "prefilled")


@dataclass(frozen=True)
class DoneCell:
    status: str
    value: Any


def done_cells(
    session: Session, *, evaluation_id: str, first_item_id: str, last_item_id: str
) -> dict[tuple[str, str], DoneCell]:
    # Only the primary key's range in SQL: with the evaluation or the status in the WHERE
    # clause, planners pick the (evaluation_id, status) index and read every cell of the
    # evaluation (33 ms at 100,000 cells, per chunk) instead of the chunk's few hundred.
    stmt = select(
        TaskResult.item_id,
        TaskResult.alias,
        TaskResult.evaluation_id,
        TaskResult.status,
        TaskResult.value,
    ).where(TaskResult.item_id.between(first_item_id, last_item_id))
    return {
        (item, alias): DoneCell(status, value)
        for item, alias, owner, status, value in session.execute(stmt)
        if owner == evaluation_id and status in READABLE
    }


def upsert_cells(session: Session, rows: list[CellRow]) -> None:
    """Idempotent on (item, alias): a replayed or retried cell overwrites, never duplicates."""
    if not rows:
        return
    if session.autoflush:  # as `session.execute` would, so pending ORM rows land first
        session.flush()
    upsert_rows(session, rows)
    results_changed(session, {row["evaluation_id"] for row in rows})


@dataclass(frozen=True)
class RunState:
    """What a chunk reads of its evaluation before each write."""

    stopped: bool
    max_cost_usd: float | None = None
    task_stops: dict[str, str] = field(default_factory=dict)


_RUN_STATE = select(
    Evaluation.archived_at,
    Evaluation.status,
    Evaluation.run_number,
    Evaluation.max_cost_usd,
    Evaluation.task_stops,
).where(Evaluation.id == bindparam("evaluation_id"))
# Every group commit reads it, so through the driver (`kit.driver_query`): through
# `session.execute`, its cache key and result processing and the results version's bump
# (yardstick.evaluation.results_version) made a 5-cell commit cost 0.69-0.82 ms of CPU,
# against 0.38-0.57 ms now.
_RUN_STATE_QUERY = DriverQuery(lambda: _RUN_STATE)
_RUN_STATE_LOCKED = DriverQuery(lambda: _RUN_STATE.with_for_update(read=True))


def run_state(session: Session, evaluation_id: str, run: int, *, lock: bool = False) -> RunState:
    """Whether run `run` of the evaluation must stop: the evaluation was archived, cancelled
    (no longer `running`), superseded by a newer run (a task added or changed, a retry), or is
    gone; and its budget and stopped tasks. With `lock`, the row is held shared until commit
    (PostgreSQL), so a change that supersedes the run waits for this transaction or is seen by
    it: cells of a superseded run are never written after the change deleted the stale ones."""
    if session.autoflush:  # as `session.execute` would, so pending ORM rows land first
        session.flush()
    query = _RUN_STATE_LOCKED if lock else _RUN_STATE_QUERY
    rows = query.rows(session, {"evaluation_id": evaluation_id})
    if not rows:
        return RunState(stopped=True)
    archived_at, status, run_number, budget, stops = rows[0]
    return RunState(
        stopped=archived_at is not None or status != "running" or run_number != run,
        max_cost_usd=budget,
        task_stops=json_object(stops) or {},
    )


def is_stopped(session: Session, evaluation_id: str, run: int, *, lock: bool = False) -> bool:
    return run_state(session, evaluation_id, run, lock=lock).stopped


def spent(session: Session, evaluation_id: str) -> float:
    """What the evaluation's cells cost, in USD: those alive (from the timing index alone) and
    those a retry or a task change replaced."""
    alive = session.scalar(
        select(func.sum(TaskResult.cost_usd)).where(
            TaskResult.evaluation_id == evaluation_id, TIMED
        )
    )
    replaced = session.scalar(
        select(Evaluation.replaced_cost_usd).where(Evaluation.id == evaluation_id)
    )
    # To a billionth of a dollar: the sum's last bits depend on the order the database adds
    # the cells in, and a budget equal to what was spent must read as reached every time.
    return round(float(alive or 0.0) + float(replaced or 0.0), 9)


def stop_task(session: Session, evaluation_id: str, run: int, alias: str, reason: str) -> None:
    """Record that fail fast stopped `alias` in run `run` (nothing if that run is over)."""
    evaluation = session.scalar(
        select(Evaluation).where(Evaluation.id == evaluation_id).with_for_update()
    )
    if evaluation is None or evaluation.status != "running" or evaluation.run_number != run:
        return
    evaluation.task_stops = {**(evaluation.task_stops or {}), alias: reason}
    evaluation.status_reason = evaluation.status_reason or reason
    evaluation.updated_at = utcnow()


def all_terminal(session: Session, evaluation_id: str, run: int) -> bool:
    """Whether run `run` is still the evaluation's running one and all its executable cells
    are terminal."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.status != "running" or evaluation.run_number != run:
        return False
    aliases = [task["alias"] for task in evaluation.tasks if is_executable(task)]
    if not aliases:
        return False
    # One alias at a time, last first: later tasks finish last, and a task added to a finished
    # run is the last one, so an unfinished run is usually told by counting one alias's cells
    # rather than every cell of the evaluation.
    for alias in reversed(aliases):
        terminal = session.scalar(
            select(func.count()).where(
                TaskResult.evaluation_id == evaluation_id,
                TaskResult.alias == alias,
                TaskResult.status.in_(TERMINAL),
            )
        )
        if (terminal or 0) < evaluation.item_count:
            return False
    return True


def complete_if_done(session: Session, evaluation_id: str, run: int) -> bool:
    """Mark the evaluation completed once every executable cell of run `run` is terminal;
    True only for the one call that did (two chunks ending together both get here)."""
    if not all_terminal(session, evaluation_id, run):
        return False
    evaluation = session.get(Evaluation, evaluation_id)
    assert evaluation is not None
    # Every cell is done, but a task fail fast stopped makes the run a failure, not a success.
    stops = evaluation.task_stops or {}
    result = session.execute(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation_id,
            Evaluation.status == "running",
            Evaluation.run_number == run,
        )
        .values(
            status="failed" if stops else "completed",
            status_reason="; ".join(stops.values()) if stops else evaluation.status_reason,
            updated_at=utcnow(),
        )
    )
    return _changed_one(result)


def _changed_one(result: Result[Any]) -> bool:
    """Whether an UPDATE changed the row (it did not when another chunk got there first)."""
    return isinstance(result, CursorResult) and result.rowcount == 1


def fail(session: Session, evaluation_id: str, reason: str, *, run: int) -> bool:
    """Run `run` itself cannot go on (not a cell error): the evaluation becomes `failed`.
    True when this call failed it (not when it had already stopped)."""
    result = session.execute(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation_id,
            Evaluation.status == "running",
            Evaluation.run_number == run,
        )
        .values(status="failed", status_reason=reason[:2000], updated_at=utcnow())
    )
    return _changed_one(result)


def _usd(amount: float) -> str:
    """Dollars to the billionth `usage.cost_usd` keeps, without trailing zeros or an exponent
    (four decimals read a $0.000762 spend as $0.0008, and `g` a $0.00004 budget as 4e-05)."""
    return f"{amount:.9f}".rstrip("0").rstrip(".")


def stop_at_budget(sessions: SessionFactory, evaluation_id: str, run: int, budget: float) -> bool:
    """Once the cells cost the budget, stop the run as a cancel does; whether it is stopped.
    In its own transaction, after the cells' commit: an update under the shared lock of that
    write could deadlock with another chunk's write."""
    with sessions.write() as session, session.begin():
        total = spent(session, evaluation_id)
        if total < budget:
            return False
        reason = (
            f"stopped at the budget: the cells cost ${_usd(total)}, "
            f"reaching max_cost_usd ${_usd(budget)}"
        )
        stopped_here = fail(session, evaluation_id, reason, run=run)
    if stopped_here:  # once per run, by the chunk whose write crossed the budget
        log_event(
            "run.budget_stopped",
            logging.WARNING,
            evaluation_id=evaluation_id,
            run=run,
            cost_usd=round(total, 6),
            max_cost_usd=budget,
            status_reason=reason,
        )
    return True


def cell_row(
    *,
    evaluation_id: str,
    item_id: str,
    alias: str,
    status: str,
    started_at: datetime,
    value: Any = None,
    error_type: str | None = None,
    error_message: str | None = None,
    details: dict[str, Any] | None = None,
    latency_ms: float | None = None,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    cost_usd: float | None = None,
    attempts: int = 1,
) -> CellRow:
    return {
        "item_id": item_id,
        "alias": alias,
        "evaluation_id": evaluation_id,
        "status": status,
        "value": value,
        "error_type": error_type,
        "error_message": plain_text(error_message),
        "details": details,
        "latency_ms": latency_ms,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": cost_usd,
        "attempts": attempts,
        "started_at": started_at,
        "finished_at": utcnow(),
    }
