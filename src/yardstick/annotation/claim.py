"""Handing out the next task of a queue to one reviewer, so that no two ever get the same one.

The next task for a caller is:

1. one already assigned to them (a claim of theirs, even an expired one nobody took since, or
   an assignment by a batch update), PENDING_REDO before PENDING;
2. else an open CONTRIBUTOR_ANNOTATION task nobody holds (never assigned, released by a skip,
   or whose lock expired) of an item the caller has no other slot of in this queue: a person
   answers an item once however many reviewers it needs. Again PENDING_REDO first, then
   PENDING.

Within a status, tasks go in queue order (position, then id). `priority` is not part of it:
nothing in Yardstick sets it (it is always 0). Archived evaluations' tasks are left out.

The claim writes `assigned_to`, `claimed_at` and `assignment_expires_at` (now +
YARDSTICK_ANNOTATION_LOCK_SECONDS); a claim of a task the caller still holds only renews the
lock. An expired lock needs no sweeper: step 2's condition treats
it as free.

Cost. Step 1 reads the caller's few tasks through the assignee index. Step 2 reads the free
tasks of one status in queue order, a batch at a time, through the queue index (account,
queue, status, position), and weeds out in Python the items the caller already has and the
archived evaluations, with one indexed query each per batch. Kept that simple on purpose: with
the item and evaluation checks as subqueries, PostgreSQL (right after a bulk insert, before
its statistics catch up) planned joins over the whole queue and a sort, seconds at 300,000
tasks.

Concurrency. PostgreSQL: a candidate is locked `FOR UPDATE SKIP LOCKED` before it is written,
so two claimers never wait on, or take, the same row; the write is conditional all the same,
and a lost race moves on to the next candidate. A transaction-level advisory lock on the caller
serialises one person's own concurrent claims (two browser tabs), which step 2's "no other
slot of the item" reads across. SQLite serialises write transactions (BEGIN IMMEDIATE), so the
same statements are simply atomic there.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from yardstick.annotation.schemas import ANNOTATION, OPEN, PENDING, PENDING_REDO
from yardstick.auth.service import Principal
from yardstick.models import AnnotationTask, Evaluation

T = AnnotationTask
# Work sent back for a redo comes first.
STATUS_ORDER = (PENDING_REDO, PENDING)
BATCH = 50


def _scope(
    principal: Principal, queue_id: str, evaluation_id: str | None, statuses: Sequence[str]
) -> list[Any]:
    where = [
        T.account_id == principal.account_id,
        T.queue_id == queue_id,
        T.status.in_(list(statuses)) if len(statuses) > 1 else T.status == statuses[0],
    ]
    if evaluation_id is not None:
        where.append(T.evaluation_id == evaluation_id)
    return where


def _free(now: datetime) -> Any:
    return or_(
        T.assigned_to.is_(None),
        and_(T.assignment_expires_at.is_not(None), T.assignment_expires_at <= now),
    )


def _take(
    session: Session, task_id: str, principal: Principal, now: datetime, lock: timedelta
) -> bool:
    """Assign the task to the caller if it is still theirs or free; False when someone has it
    (or, on PostgreSQL, is claiming it right now)."""
    if session.get_bind().dialect.name == "postgresql":
        locked = select(T.id).where(T.id == task_id).with_for_update(skip_locked=True)
        if session.scalar(locked) is None:
            return False
    result = session.execute(
        update(T)
        .where(
            T.id == task_id,
            T.status.in_(OPEN),
            or_(T.assigned_to == principal.user_id, _free(now)),
        )
        .values(
            assigned_to=principal.user_id,
            # Claiming again what one holds (a reload of the review screen) keeps the time it
            # was first claimed, so `duration_seconds` counts from there; the lock is renewed.
            claimed_at=case(
                (
                    and_(
                        T.assigned_to == principal.user_id,
                        T.claimed_at.is_not(None),
                        T.assignment_expires_at > now,
                    ),
                    T.claimed_at,
                ),
                else_=now,
            ),
            assignment_expires_at=now + lock,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def _live(session: Session, evaluation_ids: set[str], known: dict[str, bool]) -> None:
    """Fill `known` with whether each evaluation is live (not archived)."""
    missing = evaluation_ids - known.keys()
    if missing:
        rows = session.execute(
            select(Evaluation.id, Evaluation.archived_at).where(Evaluation.id.in_(missing))
        ).tuples()
        known.update({evaluation_id: archived is None for evaluation_id, archived in rows})


def _already_theirs(
    session: Session, principal: Principal, queue_id: str, item_ids: set[str]
) -> set[str]:
    """The items among these of which the caller holds, held or answered a slot."""
    stmt = select(T.evaluation_item_id).where(
        T.evaluation_item_id.in_(item_ids),
        T.queue_id == queue_id,
        T.task_type == ANNOTATION,
        or_(T.assigned_to == principal.user_id, T.completed_by == principal.user_id),
    )
    return set(session.scalars(stmt))


def _next_free(
    session: Session,
    principal: Principal,
    *,
    queue_id: str,
    evaluation_id: str | None,
    status: str,
    now: datetime,
    lock: timedelta,
) -> str | None:
    live: dict[str, bool] = {}
    after: tuple[int, str] | None = None
    while True:
        stmt = select(T.id, T.position, T.evaluation_item_id, T.evaluation_id).where(
            *_scope(principal, queue_id, evaluation_id, [status]),
            T.task_type == ANNOTATION,
            _free(now),
        )
        if after is not None:
            stmt = stmt.where(
                or_(T.position > after[0], and_(T.position == after[0], T.id > after[1]))
            )
        rows = session.execute(stmt.order_by(T.position, T.id).limit(BATCH)).tuples().all()
        if not rows:
            return None
        after = (rows[-1][1], rows[-1][0])
        _live(session, {row[3] for row in rows}, live)
        theirs = _already_theirs(session, principal, queue_id, {row[2] for row in rows})
        for task_id, _, item_id, owner in rows:
            if (
                live[owner]
                and item_id not in theirs
                and _take(session, task_id, principal, now, lock)
            ):
                return task_id


def claim_next(
    session: Session,
    principal: Principal,
    *,
    queue_id: str,
    evaluation_id: str | None,
    now: datetime,
    lock: timedelta,
) -> str | None:
    """The id of the task now claimed by the caller, or None when the queue has nothing for
    them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(principal.user_id))))
    # A person holds a handful of tasks: all of them, through the assignee index, sorted here
    # (an ORDER BY would lead the planner to the queue index and a walk of the whole queue).
    mine = (
        session.execute(
            select(T.id, T.status, T.position, T.evaluation_id).where(
                *_scope(principal, queue_id, evaluation_id, OPEN),
                T.assigned_to == principal.user_id,
            )
        )
        .tuples()
        .all()
    )
    live: dict[str, bool] = {}
    _live(session, {row[3] for row in mine}, live)
    for task_id, _, _, owner in sorted(mine, key=lambda r: (STATUS_ORDER.index(r[1]), r[2], r[0])):
        if live[owner] and _take(session, task_id, principal, now, lock):
            return task_id
    for status in STATUS_ORDER:
        found = _next_free(
            session,
            principal,
            queue_id=queue_id,
            evaluation_id=evaluation_id,
            status=status,
            now=now,
            lock=lock,
        )
        if found is not None:
            return found
    return None
