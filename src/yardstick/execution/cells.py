"""Cell storage for the engine: read what a chunk already finished, upsert what it finishes now."""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.models import Evaluation, TaskResult

log = logging.getLogger(__name__)
TERMINAL = ("completed", "errored", "skipped")
# What a chunk reads back: the terminal cells, and contributor answers prefilled at create
# (never run, so never terminal, but their values are readable by later tasks).
READABLE = (*TERMINAL, "prefilled")
_UPSERT_COLUMNS = (
    "evaluation_id", "status", "value", "error_type", "error_message", "details", "latency_ms",
    "prompt_tokens", "completion_tokens", "attempts", "started_at", "finished_at",
)


@dataclass(frozen=True)
class DoneCell:
    status: str
    value: Any


def done_cells(
    session: Session, *, evaluation_id: str, first_item_id: str, last_item_id: str
) -> dict[tuple[str, str], DoneCell]:
    stmt = select(TaskResult.item_id, TaskResult.alias, TaskResult.status, TaskResult.value).where(
        TaskResult.item_id.between(first_item_id, last_item_id),
        TaskResult.evaluation_id == evaluation_id,
        TaskResult.status.in_(READABLE),
    )
    return {(item, alias): DoneCell(status, value) for item, alias, status, value in session.execute(stmt)}


def upsert_cells(session: Session, rows: list[dict[str, Any]]) -> None:
    """Idempotent on (item, alias): a replayed or retried cell overwrites, never duplicates."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(TaskResult)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "alias"], set_={c: stmt.excluded[c] for c in _UPSERT_COLUMNS}
    )
    session.execute(stmt, rows)


def is_stopped(session: Session, evaluation_id: str) -> bool:
    """An archived (or vanished) evaluation runs no more cells."""
    archived = session.execute(
        select(Evaluation.archived_at).where(Evaluation.id == evaluation_id)
    ).first()
    return archived is None or archived[0] is not None


def complete_if_done(session: Session, evaluation_id: str, executable_tasks: int) -> bool:
    """Mark the evaluation completed once every executable cell is terminal."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.status != "running":
        return False
    terminal = session.scalar(
        select(func.count()).where(
            TaskResult.evaluation_id == evaluation_id, TaskResult.status.in_(TERMINAL)
        )
    )
    if (terminal or 0) < evaluation.item_count * executable_tasks:
        return False
    session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation_id, Evaluation.status == "running")
        .values(status="completed", updated_at=utcnow())
    )
    return True


def fail(session: Session, evaluation_id: str, reason: str) -> None:
    """The run itself cannot go on (not a cell error): the evaluation becomes `failed`."""
    session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation_id, Evaluation.status == "running")
        .values(status="failed", status_reason=reason[:2000], updated_at=utcnow())
    )


class CellWriter:
    """Writes finished cells as soon as they finish, in group commits.

    One flusher task commits whatever has finished since its last commit, so a busy chunk makes
    batches of many cells while a slow one still commits each cell within milliseconds: after a
    crash, the only model calls repeated are the ones in flight (and any finishing during that
    one commit). Every `interval` it also reads whether the evaluation was archived, which is how
    a running evaluation learns to stop.
    """

    def __init__(self, sessions: SessionFactory, evaluation_id: str, *, interval: float = 0.5) -> None:
        self._sessions = sessions
        self._evaluation_id = evaluation_id
        self._interval = interval
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        self._closing = False
        self._flusher: asyncio.Task[None] | None = None
        self._checked_at = 0.0
        self.stopped = False

    async def __aenter__(self) -> "CellWriter":
        self._flusher = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._flusher is not None
        self._closing = True
        self._wakeup.set()
        await self._flusher

    def add(self, row: dict[str, Any]) -> "asyncio.Future[None]":
        """Queue a finished cell; the returned future resolves once it is committed."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, committed))
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
                self.stopped = await self._write_with_retries([row for row, _ in batch]) or self.stopped
            except Exception as exc:
                for _, committed in batch:
                    committed.set_exception(exc)
                raise
            for _, committed in batch:
                committed.set_result(None)
            if self._closing and not self._pending:
                return

    async def _write_with_retries(self, batch: list[dict[str, Any]], attempts: int = 5) -> bool:
        """A database hiccup must not throw away finished model calls: retry, then give up."""
        for attempt in range(1, attempts):
            try:
                return await asyncio.to_thread(self._write, batch)
            except Exception:
                log.warning("writing %d cells failed (attempt %d)", len(batch), attempt, exc_info=True)
                await asyncio.sleep(0.2 * 2**attempt)
        return await asyncio.to_thread(self._write, batch)

    def _write(self, batch: list[dict[str, Any]]) -> bool:
        # The archive check costs a query: once per interval is soon enough to stop a run.
        check = time.monotonic() - self._checked_at >= self._interval
        if check:
            self._checked_at = time.monotonic()
        if not batch:
            if not check:
                return False
            with self._sessions.read() as session:
                return is_stopped(session, self._evaluation_id)
        with self._sessions.write() as session, session.begin():
            upsert_cells(session, batch)
            return check and is_stopped(session, self._evaluation_id)


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
    attempts: int = 1,
) -> dict[str, Any]:
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
        "attempts": attempts,
        "started_at": started_at,
        "finished_at": utcnow(),
    }
