"""Handing out the next task of a queue to one reviewer, so that no two ever get the same one.

The next task for a caller is, in (priority descending, position, id) order:

1. one already assigned to them (a claim of theirs, even an expired one nobody took since, or
   an assignment by a batch update), PENDING or PENDING_REDO;
2. else an open CONTRIBUTOR_ANNOTATION task nobody holds (never assigned, released by a skip,
   or whose lock expired) of an item the caller has no other slot of in this queue: a person
   answers an item once however many reviewers it needs.

Archived evaluations' tasks are left out. The claim writes `assigned_to`, `claimed_at` and
`assignment_expires_at` (now + YARDSTICK_ANNOTATION_LOCK_SECONDS). An expired lock needs no
sweeper: step 2's condition treats it as free.

Concurrency. PostgreSQL: the candidate is read `FOR UPDATE SKIP LOCKED`, so two claimers
never wait on, or take, the same row; the write is conditional all the same, and a lost race
moves on to the next candidate. A transaction-level advisory lock on the caller serialises one
person's own concurrent claims (two browser tabs), which step 2's "no other slot of the item"
reads across. SQLite serialises write transactions (BEGIN IMMEDIATE), so the same statements
are simply atomic there.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from yardstick.annotation.schemas import ANNOTATION, OPEN
from yardstick.auth.service import Principal
from yardstick.models import AnnotationTask, Evaluation

T = AnnotationTask
# Candidates tried before giving up on a queue that others keep emptying under us.
MAX_TRIES = 20


def _order() -> tuple[Any, ...]:
    return (T.priority.desc(), T.position, T.id)


def _in_scope(account_id: str, queue_id: str, evaluation_id: str | None) -> list[Any]:
    live = exists().where(Evaluation.id == T.evaluation_id, Evaluation.archived_at.is_(None))
    where = [T.account_id == account_id, T.queue_id == queue_id, T.status.in_(OPEN), live]
    if evaluation_id is not None:
        where.append(T.evaluation_id == evaluation_id)
    return where


def _free(now: datetime) -> Any:
    return or_(
        T.assigned_to.is_(None),
        and_(T.assignment_expires_at.is_not(None), T.assignment_expires_at <= now),
    )


def _not_theirs_yet(user_id: str) -> Any:
    """The caller holds, held or answered no other slot of the item in this queue."""
    other = aliased(T)
    return ~exists().where(
        other.evaluation_item_id == T.evaluation_item_id,
        other.queue_id == T.queue_id,
        other.task_type == ANNOTATION,
        other.id != T.id,
        or_(other.assigned_to == user_id, other.completed_by == user_id),
    )


def _take(
    session: Session, task_id: str, principal: Principal, now: datetime, lock: timedelta
) -> bool:
    """Assign the task to the caller if it is still theirs or free; False when someone took it."""
    result = session.execute(
        update(T)
        .where(
            T.id == task_id,
            T.status.in_(OPEN),
            or_(T.assigned_to == principal.user_id, _free(now)),
        )
        .values(
            assigned_to=principal.user_id,
            claimed_at=now,
            assignment_expires_at=now + lock,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


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
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(principal.user_id))))
    scope = _in_scope(principal.account_id, queue_id, evaluation_id)
    mine = session.scalar(
        select(T.id).where(*scope, T.assigned_to == principal.user_id).order_by(*_order()).limit(1)
    )
    if mine is not None and _take(session, mine, principal, now, lock):
        return mine
    tried: list[str] = []
    for _ in range(MAX_TRIES):
        stmt = (
            select(T.id)
            .where(
                *scope,
                T.task_type == ANNOTATION,
                _free(now),
                _not_theirs_yet(principal.user_id),
                T.id.not_in(tried),
            )
            .order_by(*_order())
            .limit(1)
        )
        if postgres:
            stmt = stmt.with_for_update(skip_locked=True, of=T)
        candidate = session.scalar(stmt)
        if candidate is None:
            return None
        if _take(session, candidate, principal, now, lock):
            return candidate
        tried.append(candidate)
    return None
