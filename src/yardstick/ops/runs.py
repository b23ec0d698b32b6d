"""The log events of a run's life: started, finished, cancelled.

Events about a request's change (a run started by a create, a task change or a retry; a cancel
or an archive) are logged once its transaction commits, never for a change rolled back by a
later error: they wait in `session.info` until SQLAlchemy's `after_commit`, and a rollback drops
them. The engine logs the others itself, after its own commits (`run.finished` here; the fail
fast, budget and failure events in `yardstick.execution`).
"""

import logging
import time
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from yardstick.db.session import SessionFactory
from yardstick.execution.cells import spent
from yardstick.models import Evaluation, TaskResult
from yardstick.ops.engine_state import run_started_at
from yardstick.ops.logs import log_event
from yardstick.task.spec import is_executable

log = logging.getLogger(__name__)
_PENDING = "yardstick.ops.events"


def after_commit(session: Session, name: str, level: int = logging.INFO, /, **fields: Any) -> None:
    """Log event `name` once the session's transaction commits (not at all if it rolls back)."""
    session.info.setdefault(_PENDING, []).append((name, level, fields))


@event.listens_for(Session, "after_commit")
def _emit(session: Session) -> None:
    for name, level, fields in session.info.pop(_PENDING, ()):
        log_event(name, level, **fields)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def run_started(session: Session, *, evaluation_id: str, run: int, items: int, chunks: int) -> None:
    """`run.started`: run 1 is the create's, a later one a task added or changed, or a retry."""
    evaluation = session.get(Evaluation, evaluation_id)  # in the session already: no query
    assert evaluation is not None, "a run is enqueued by the transaction that holds it"
    after_commit(
        session,
        "run.started",
        evaluation_id=evaluation_id,
        account_id=evaluation.account_id,
        run=run,
        items=items,
        chunks=chunks,
        tasks=[task["alias"] for task in evaluation.tasks if is_executable(task)],
    )


def run_cancelled(session: Session, evaluation: Evaluation, *, key_id: str | None) -> None:
    """`run.cancelled`: by the cancel route or an archive of a running evaluation."""
    after_commit(
        session,
        "run.cancelled",
        logging.WARNING,
        evaluation_id=evaluation.id,
        account_id=evaluation.account_id,
        run=evaluation.run_number,
        status_reason=evaluation.status_reason,
        key_id=key_id,
    )


def run_finished(sessions: SessionFactory, evaluation_id: str, run: int) -> None:
    """`run.finished`, once a chunk marked the run done: its status, the evaluation's cells by
    status, how long the run took since it was enqueued, and what its cells cost. A few index
    reads, once per run; a failure here is logged and never fails the chunk."""
    try:
        with sessions.read() as session:
            evaluation = session.get(Evaluation, evaluation_id)
            if evaluation is None:
                return
            cells = {
                status: count
                for status, count in session.execute(
                    select(TaskResult.status, func.count())
                    .where(TaskResult.evaluation_id == evaluation_id)
                    .group_by(TaskResult.status)
                ).tuples()
            }
            cost = spent(session, evaluation_id)
            started = (
                evaluation.run_started_at.timestamp()
                if evaluation.run_started_at is not None and evaluation.run_number == run
                else run_started_at(session, evaluation_id, run)  # enqueued before it was kept
            )
    except Exception:  # a log line must never fail a run
        log.exception("reading run %d of evaluation %s for its log line failed", run, evaluation_id)
        return
    failed = evaluation.status != "completed"
    # A failed finish is a task fail fast stopped: the reason says which and why.
    reason = {"status_reason": evaluation.status_reason} if failed else {}
    log_event(
        "run.finished",
        logging.WARNING if failed else logging.INFO,
        evaluation_id=evaluation_id,
        account_id=evaluation.account_id,
        run=run,
        status=evaluation.status,
        **reason,
        cells=cells,
        duration_s=None if started is None else round(time.time() - started, 3),
        cost_usd=round(cost, 6),
    )
