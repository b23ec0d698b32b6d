"""NOT_READY → PENDING: when an item is ready for people.

A CONTRIBUTOR_ANNOTATION task waits while its queue's layouts show a task result the item does
not have yet: a result is there once its cell is terminal (completed, errored, skipped) or
prefilled. An audit waits for the work it audits: level 1 until every annotation task of the
item in the queue is done (COMPLETED or FIXED), level 2 until level 1 is COMPLETED.

Promotion is lazy: nothing in the engine's path knows about annotation. Every route that reads
or hands out tasks (list, retrieve, claim) first runs one set-based UPDATE per (evaluation,
queue) that still has NOT_READY tasks, in its own write transaction. A queue with nothing
waiting costs one index probe.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from yardstick.annotation.queues import queues_of
from yardstick.annotation.schemas import ANNOTATION, AUDIT, COMPLETED, DONE, NOT_READY, PENDING
from yardstick.execution.cells import READABLE
from yardstick.models import AnnotationTask, Evaluation, TaskResult

T = AnnotationTask


def promote(
    session: Session,
    *,
    account_id: str,
    now: datetime,
    queue_id: str | None = None,
    evaluation_ids: Sequence[str] | None = None,
) -> None:
    """Make the waiting tasks whose items are now ready PENDING, within a queue, evaluations,
    or (neither given) the whole account."""
    where = [T.account_id == account_id, T.status == NOT_READY]
    if queue_id is not None:
        where.append(T.queue_id == queue_id)
    if evaluation_ids is not None:
        where.append(T.evaluation_id.in_(list(evaluation_ids)))
    # One index probe first: the usual answer is that nothing waits, and the DISTINCT below
    # may be planned as a scan of the table (PostgreSQL, with few queues in its statistics).
    # Ordered like the queue index, so that the probe is planned on it too.
    if session.scalar(select(T.id).where(*where).order_by(T.position).limit(1)) is None:
        return
    stmt = select(T.evaluation_id, T.queue_id, T.task_type).where(*where).distinct()
    waiting = session.execute(stmt).tuples().all()
    if not waiting:
        return
    tasks_of: dict[str, list[dict[str, Any]]] = dict(
        session.execute(
            select(Evaluation.id, Evaluation.tasks).where(
                Evaluation.id.in_({evaluation_id for evaluation_id, _, _ in waiting})
            )
        )
        .tuples()
        .all()
    )
    for evaluation_id, queue, task_type in waiting:
        if task_type == ANNOTATION:
            _annotations(session, evaluation_id, queue, tasks_of.get(evaluation_id, []), now)
        elif task_type == AUDIT:
            _audits(session, evaluation_id, queue, now)


def _annotations(
    session: Session,
    evaluation_id: str,
    queue_id: str,
    tasks: list[dict[str, Any]],
    now: datetime,
) -> None:
    queue = next((q for q in queues_of(tasks, evaluation_id) if q.queue_id == queue_id), None)
    shown = queue.shown if queue is not None else ()
    has_results = [
        exists().where(
            TaskResult.item_id == T.evaluation_item_id,
            TaskResult.alias == alias,
            TaskResult.status.in_(READABLE),
        )
        for alias in shown
    ]
    session.execute(
        update(T)
        .where(
            T.evaluation_id == evaluation_id,
            T.status == NOT_READY,
            T.queue_id == queue_id,
            T.task_type == ANNOTATION,
            *has_results,
        )
        .values(status=PENDING, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _audits(session: Session, evaluation_id: str, queue_id: str, now: datetime) -> None:
    other = aliased(T)
    same_item = and_(other.evaluation_item_id == T.evaluation_item_id, other.queue_id == T.queue_id)
    unfinished = exists().where(same_item, other.task_type == ANNOTATION, other.status.not_in(DONE))
    level_1_done = exists().where(
        same_item, other.task_type == AUDIT, other.slot == 1, other.status == COMPLETED
    )
    base = (
        T.evaluation_id == evaluation_id,
        T.queue_id == queue_id,
        T.task_type == AUDIT,
        T.status == NOT_READY,
    )
    for level, ready in ((1, ~unfinished), (2, level_1_done)):
        session.execute(
            update(T)
            .where(*base, T.slot == level, ready)
            .values(status=PENDING, updated_at=now)
            .execution_options(synchronize_session=False)
        )
