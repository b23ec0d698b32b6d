"""Cell storage for the engine: read what a chunk already finished, upsert what it finishes now."""

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from sqlalchemy import CursorResult, Result, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.db.retry import retrying
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.evaluation.results_version import results_changed
from yardstick.models import Evaluation, TaskResult
from yardstick.models.task_result import TIMED, CellRow
from yardstick.ops.logs import log_event
from yardstick.ops.metrics import cells_committed
from yardstick.span.records import SpanWrite
from yardstick.span.service import write_run_spans
from yardstick.task.spec import is_executable

log = logging.getLogger(__name__)
TERMINAL = ("completed", "errored", "skipped")
# What a chunk reads back: the terminal cells, and contributor answers prefilled at create
# (never run, so never terminal, but their values are readable by later tasks).
READABLE = (*TERMINAL, "prefilled")
_UPSERT_COLUMNS = (
    "evaluation_id",
    "status",
    "value",
    "error_type",
    "error_message",
    "details",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "attempts",
    "started_at",
    "finished_at",
)


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
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(TaskResult)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "alias"], set_={c: stmt.excluded[c] for c in _UPSERT_COLUMNS}
    )
    session.execute(stmt, rows)
    results_changed(session, {row["evaluation_id"] for row in rows})


@dataclass(frozen=True)
class RunState:
    """What a chunk reads of its evaluation before each write."""

    stopped: bool
    max_cost_usd: float | None = None
    task_stops: dict[str, str] = field(default_factory=dict)


def run_state(session: Session, evaluation_id: str, run: int, *, lock: bool = False) -> RunState:
    """Whether run `run` of the evaluation must stop: the evaluation was archived, cancelled
    (no longer `running`), superseded by a newer run (a task added or changed, a retry), or is
    gone; and its budget and stopped tasks. With `lock`, the row is held shared until commit
    (PostgreSQL), so a change that supersedes the run waits for this transaction or is seen by
    it: cells of a superseded run are never written after the change deleted the stale ones."""
    stmt = select(
        Evaluation.archived_at,
        Evaluation.status,
        Evaluation.run_number,
        Evaluation.max_cost_usd,
        Evaluation.task_stops,
    ).where(Evaluation.id == evaluation_id)
    if lock:
        stmt = stmt.with_for_update(read=True)
    row = session.execute(stmt).first()
    if row is None:
        return RunState(stopped=True)
    archived_at, status, run_number, budget, stops = row
    return RunState(
        stopped=archived_at is not None or status != "running" or run_number != run,
        max_cost_usd=budget,
        task_stops=stops or {},
    )


def is_stopped(session: Session, evaluation_id: str, run: int, *, lock: bool = False) -> bool:
    return run_state(session, evaluation_id, run, lock=lock).stopped


def spent(session: Session, evaluation_id: str) -> float:
    """What the evaluation's cells cost, in USD (from the timing index alone)."""
    total = session.scalar(
        select(func.sum(TaskResult.cost_usd)).where(
            TaskResult.evaluation_id == evaluation_id, TIMED
        )
    )
    return float(total or 0.0)


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


# Runs some chunk of this process found stopped (an insertion-ordered set, oldest dropped
# first: a run stopped long ago has no chunk left to tell).
_STOPPED_RUNS: dict[tuple[str, int], None] = {}
_MAX_STOPPED_RUNS = 10_000


class CellWriter:
    """Writes finished cells as soon as they finish, in group commits.

    One flusher task commits whatever has finished since its last commit, so a busy chunk makes
    batches of many cells while a slow one still commits each cell within milliseconds: after a
    crash, the only model calls repeated are the ones in flight (and any finishing during that
    one commit). Each commit first reads whether the run must stop (archived, cancelled or
    superseded; see `is_stopped`), and so does an idle writer every `interval`: that is how a
    running chunk learns to stop, and why a stopped run's late results are dropped.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        evaluation_id: str,
        run: int,
        *,
        account_id: str,
        interval: float = 0.5,
    ) -> None:
        self._sessions = sessions
        self._evaluation_id = evaluation_id
        self._account_id = account_id
        self._run_number = run
        self._interval = interval
        self._pending: list[tuple[CellRow, Sequence[SpanWrite], asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        self._closing = False
        self._flusher: asyncio.Task[None] | None = None
        self._checked_at = 0.0
        self._stopped = False
        # Tasks stopped by fail fast (read with every write, so other workers' stops reach us).
        self.task_stops: dict[str, str] = {}

    @property
    def stopped(self) -> bool:
        """Whether the run must stop: seen by this writer, or by another chunk's in this
        process (so a budget reached or a cancel seen by one chunk stops all at once)."""
        return self._stopped or (self._evaluation_id, self._run_number) in _STOPPED_RUNS

    async def __aenter__(self) -> Self:
        self._flusher = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._flusher is not None
        self._closing = True
        self._wakeup.set()
        await self._flusher

    def add(self, row: CellRow, spans: Sequence[SpanWrite] = ()) -> "asyncio.Future[None]":
        """Queue a finished cell and the spans of its trace (committed together); the returned
        future resolves once they are committed."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, spans, committed))
        self._wakeup.set()
        return committed

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._interval)
            except TimeoutError:
                pass
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            try:
                rows = [row for row, _, _ in batch]
                spans = [span for _, cell_spans, _ in batch for span in cell_spans]
                if await retrying(f"committing {len(rows)} cells", self._write, rows, spans):
                    self._stopped = True
                    _STOPPED_RUNS[(self._evaluation_id, self._run_number)] = None
                    while len(_STOPPED_RUNS) > _MAX_STOPPED_RUNS:
                        del _STOPPED_RUNS[next(iter(_STOPPED_RUNS))]
            except Exception as exc:
                for _, _, committed in batch:
                    if not committed.done():
                        committed.set_exception(exc)
                raise
            for _, _, committed in batch:
                # Done already when its item was cancelled while waiting (a shutdown past its
                # grace period): the cell is committed all the same.
                if not committed.done():
                    committed.set_result(None)
            if self._closing and not self._pending:
                return

    def _write(self, batch: list[CellRow], spans: list[SpanWrite]) -> bool:
        """Commit `batch` and its spans; returns whether the run must stop (then nothing was
        written)."""
        if not batch:
            # Nothing finished lately: still look, once per interval, whether to stop.
            if time.monotonic() - self._checked_at < self._interval:
                return False
            self._checked_at = time.monotonic()
            with self._sessions.read() as session:
                state = run_state(session, self._evaluation_id, self._run_number)
            self.task_stops = state.task_stops
            return state.stopped
        with self._sessions.write() as session, session.begin():
            # Checked before every write, under the row lock: a cancelled, archived or
            # superseded run writes nothing more.
            state = run_state(session, self._evaluation_id, self._run_number, lock=True)
            if state.stopped:
                return True
            upsert_cells(session, batch)
            if spans:
                write_run_spans(session.connection(), self._account_id, spans)
        cells_committed(batch)  # after the commit: a batch rolled back is retried, not counted
        self.task_stops = state.task_stops
        if state.max_cost_usd is not None and any(row["cost_usd"] for row in batch):
            return self._stop_at_budget(state.max_cost_usd)
        return False

    def _stop_at_budget(self, budget: float) -> bool:
        """Once the cells cost the budget, the run stops as a cancel does (in its own
        transaction: an update under the shared lock of the write could deadlock with another
        chunk's write)."""
        with self._sessions.write() as session, session.begin():
            total = spent(session, self._evaluation_id)
            if total < budget:
                return False
            reason = (
                f"stopped at the budget: the cells cost ${total:.4f}, reaching max_cost_usd "
                f"${budget:g}"
            )
            stopped_here = fail(session, self._evaluation_id, reason, run=self._run_number)
        if stopped_here:  # once per run, by the chunk whose write crossed the budget
            log_event(
                "run.budget_stopped",
                logging.WARNING,
                evaluation_id=self._evaluation_id,
                run=self._run_number,
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
        "error_message": error_message,
        "details": details,
        "latency_ms": latency_ms,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": cost_usd,
        "attempts": attempts,
        "started_at": started_at,
        "finished_at": utcnow(),
    }
