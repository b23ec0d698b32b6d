"""`PATCH /v5/annotation-tasks/batch`: a manager's changes to many tasks at once (0.7.0's
`annotation_tasks.batch_update`), in one of two modes.

- ids mode: `ids` with `assigned_to` and/or `status`. Ids the account does not have are
  skipped, as SGP does. `assigned_to` (an API key id of the account: each person is a key)
  reserves the task for that person: it has no expiry until they claim it. `status`
  `PENDING_REDO` sends a done task back to its reviewer (to someone else with `assigned_to`);
  their answers stay until they submit again. `COMPLETED` closes a task without answers.
- audit mode: `audit_assignment` assigns level 1 and/or level 2 auditors to items of one queue,
  creating their CONTRIBUTOR_AUDIT tasks (slot = level) where missing. A level 2 auditor needs a
  level 1 auditor, already assigned or in the same request (422 otherwise: the request names
  no one to audit first).

Every check runs before the first write, so a refused request changes nothing: a done task may
not be reassigned (409) unless the same request sends it back for a redo; a redo needs a done
task (409); one person may not hold two slots of an item (409); an archived evaluation's tasks
do not change (409). Yardstick has no roles, so what SGP keeps for a "modification role"
(status changes and audit assignments) is the evaluation creator's: the API key that created
the evaluation, as only the key that made a span assessment may change it (403 for others).
Assigning alone is open to every key of the account.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from yardstick.annotation.aggregate import settle
from yardstick.annotation.questions import QueueQuestion, queue_questions
from yardstick.annotation.queues import queue_of
from yardstick.annotation.readiness import promote
from yardstick.annotation.repository import annotation_task_repository as repository
from yardstick.annotation.schemas import (
    ANNOTATION,
    AUDIT,
    COMPLETED,
    DONE,
    NOT_READY,
    PENDING_REDO,
    AuditAssignment,
    BatchUpdate,
)
from yardstick.auth.service import Principal
from yardstick.errors import Conflict, Forbidden, Unprocessable
from yardstick.evaluation.repository import evaluation_repository
from yardstick.models import AnnotationTask, Evaluation

Loc = list[str | int]


def _mode(body: BatchUpdate) -> str:
    if body.ids is not None and body.audit_assignment is not None:
        raise Unprocessable(["body", "audit_assignment"], "give ids or audit_assignment, not both")
    if body.ids is None and body.audit_assignment is None:
        raise Unprocessable(
            ["body", "ids"], "give ids (with assigned_to and/or status) or audit_assignment"
        )
    if body.audit_assignment is not None:
        for field in ("assigned_to", "status"):
            if getattr(body, field) is not None:
                raise Unprocessable(["body", field], "only with ids, not with audit_assignment")
        return "audit"
    if body.assigned_to is None and body.status is None:
        raise Unprocessable(["body", "assigned_to"], "give assigned_to and/or status to change")
    return "ids"


def _creator_only(evaluation: Evaluation, principal: Principal, what: str) -> None:
    if evaluation.created_by_user_id != principal.user_id:
        raise Forbidden(
            f"only the API key that created evaluation {evaluation.id!r} may {what}; "
            "any key of the account may assign tasks"
        )


def _live(evaluation: Evaluation) -> None:
    if evaluation.archived_at is not None:
        raise Conflict(f"evaluation {evaluation.id!r} is archived: restore it first")


def _check_user(session: Session, principal: Principal, user_id: str, loc: Loc) -> None:
    if not repository.is_user(session, account_id=principal.account_id, user_id=user_id):
        raise Unprocessable(loc, f"no API key of this account has id {user_id!r}")


def _evaluations(session: Session, ids: Iterable[str]) -> dict[str, Evaluation]:
    return {e.id: e for e in (session.get(Evaluation, i) for i in set(ids)) if e is not None}


def _settle_items(
    session: Session,
    principal: Principal,
    evaluations: dict[str, Evaluation],
    pairs: set[tuple[str, str, str]],
    now: datetime,
) -> None:
    """Write the results of the (evaluation, item, queue)s whose tasks were just completed."""
    asked: dict[tuple[str, str], list[QueueQuestion]] = {}
    for evaluation_id, item_id, queue_id in sorted(pairs):
        questions = asked.get((evaluation_id, queue_id))
        if questions is None:
            questions = asked[(evaluation_id, queue_id)] = queue_questions(
                session,
                principal,
                evaluation_id=evaluation_id,
                tasks=evaluations[evaluation_id].tasks,
                queue_id=queue_id,
            )
        settle(
            session,
            evaluation_id=evaluation_id,
            item_id=item_id,
            queue_id=queue_id,
            questions=questions,
            now=now,
        )


def _holds_other_slot(
    task: AnnotationTask, siblings: Sequence[AnnotationTask], user_id: str, changing: set[str]
) -> bool:
    """Whether `user_id` has (or gets in this request) another slot of the task's item."""
    if task.task_type != ANNOTATION:
        return False
    return any(
        other.id != task.id
        and other.task_type == ANNOTATION
        and other.evaluation_item_id == task.evaluation_item_id
        and other.queue_id == task.queue_id
        and (other.id in changing or other.assigned_to == user_id or other.completed_by == user_id)
        for other in siblings
    )


def _by_ids(
    session: Session, principal: Principal, body: BatchUpdate, now: datetime
) -> list[AnnotationTask]:
    assert body.ids is not None
    assignee = body.assigned_to
    # Before the ids: a key that is not the account's is a 422 whether or not any id matched.
    if assignee is not None:
        _check_user(session, principal, assignee, ["body", "assigned_to"])
    found = repository.many(session, account_id=principal.account_id, ids=body.ids)
    if not found:
        return []
    tasks = repository.hold(
        session, account_id=principal.account_id, task_ids=[task.id for task in found]
    )
    repository.serialise(session, ((t.evaluation_item_id, t.queue_id) for t in tasks))
    wanted = {task.id for task in tasks}
    siblings = repository.items_tasks(session, sorted({t.evaluation_item_id for t in tasks}))
    evaluations = _evaluations(session, (task.evaluation_id for task in tasks))
    for evaluation in evaluations.values():
        _live(evaluation)
        if body.status is not None:
            _creator_only(evaluation, principal, "change the status of its annotation tasks")
    for task in tasks:
        if body.status == PENDING_REDO and task.status not in DONE:
            raise Conflict(
                f"annotation task {task.id!r} is {task.status}: only a done task can be sent "
                "back for a redo"
            )
        if assignee is None or task.assigned_to == assignee:
            continue
        if task.status in DONE and body.status != PENDING_REDO:
            raise Conflict(
                f"annotation task {task.id!r} is {task.status}: it cannot be reassigned "
                "(send it back with status PENDING_REDO in the same request to have it redone)"
            )
        if _holds_other_slot(task, siblings, assignee, wanted):
            raise Conflict(
                f"{assignee!r} already has a slot of item {task.evaluation_item_id!r} in queue "
                f"{task.queue_id!r} (or would get two here): a person answers an item once"
            )

    completed: set[tuple[str, str, str]] = set()
    for task in tasks:
        if body.status == PENDING_REDO:
            # Back to whoever did it (or `assigned_to`), reserved until they claim it again.
            task.status = PENDING_REDO
            task.assigned_to = task.completed_by or task.assigned_to
            task.assignment_expires_at = None
            task.claimed_at = None
        elif body.status == COMPLETED and task.status not in DONE:
            task.status = COMPLETED
            task.completed_at = now
            task.assignment_expires_at = None
            if task.task_type == ANNOTATION:
                completed.add((task.evaluation_id, task.evaluation_item_id, task.queue_id))
        if assignee is not None and task.assigned_to != assignee:
            task.assigned_to = assignee
            task.assignment_expires_at = None
            task.claimed_at = None
        task.updated_at = now
    session.flush()
    _settle_items(session, principal, evaluations, completed, now)
    return tasks


def _audit_rows(
    a: AuditAssignment, siblings: Sequence[AnnotationTask]
) -> tuple[dict[tuple[str, int], AnnotationTask], dict[str, int]]:
    """The item's existing audits by (item, level), and each item's place in the queue."""
    audits: dict[tuple[str, int], AnnotationTask] = {}
    positions: dict[str, int] = {}
    for task in siblings:
        if task.queue_id != a.queue_id or task.evaluation_id != a.evaluation_id:
            continue
        if task.task_type == AUDIT:
            audits[(task.evaluation_item_id, task.slot)] = task
        elif task.task_type == ANNOTATION:
            known = positions.get(task.evaluation_item_id, task.position)
            positions[task.evaluation_item_id] = min(known, task.position)
    return audits, positions


def _by_audit(
    session: Session, principal: Principal, a: AuditAssignment, now: datetime
) -> list[AnnotationTask]:
    loc: Loc = ["body", "audit_assignment"]
    evaluation = evaluation_repository.require(
        session, account_id=principal.account_id, row_id=a.evaluation_id
    )
    _creator_only(evaluation, principal, "assign auditors to its items")
    _live(evaluation)
    if queue_of(evaluation.tasks, evaluation.id, a.queue_id) is None:
        raise Unprocessable(
            [*loc, "queue_id"], f"evaluation {evaluation.id!r} has no queue {a.queue_id!r}"
        )
    levels = {1: a.level_1_assigned_to, 2: a.level_2_assigned_to}
    if not any(levels.values()):
        raise Unprocessable(
            [*loc, "level_1_assigned_to"], "give level_1_assigned_to and/or level_2_assigned_to"
        )
    for level, user in levels.items():
        if user is not None:
            _check_user(session, principal, user, [*loc, f"level_{level}_assigned_to"])
    items = list(dict.fromkeys(a.evaluation_item_ids))
    known = repository.items_of(session, evaluation_id=evaluation.id, item_ids=items)
    for index, item_id in enumerate(a.evaluation_item_ids):
        if item_id not in known:
            raise Unprocessable(
                [*loc, "evaluation_item_ids", index],
                f"item {item_id!r} is not an item of evaluation {evaluation.id!r}",
            )
    repository.serialise(session, ((item_id, a.queue_id) for item_id in items))
    audits, positions = _audit_rows(a, repository.items_tasks(session, items))
    repository.hold(
        session,
        account_id=principal.account_id,
        task_ids=[task.id for task in audits.values()],
    )
    for item_id in items:
        first = audits.get((item_id, 1))
        if levels[2] is not None and levels[1] is None and (first is None or not first.assigned_to):
            raise Unprocessable(
                [*loc, "level_2_assigned_to"],
                f"item {item_id!r} has no level 1 auditor: assign one first (or in this request)",
            )
        for level, user in levels.items():
            task = audits.get((item_id, level))
            done = task is not None and task.status in DONE
            if user is not None and task is not None and done and task.assigned_to != user:
                raise Conflict(
                    f"the level {level} audit of item {item_id!r} is done: it cannot be reassigned"
                )

    out: list[AnnotationTask] = []
    next_position: int | None = None
    for item_id in items:
        for level, user in levels.items():
            if user is None:
                continue
            task = audits.get((item_id, level))
            if task is None:
                position = positions.get(item_id)
                if position is None:
                    if next_position is None:
                        next_position = repository.next_position(
                            session, account_id=principal.account_id, queue_id=a.queue_id
                        )
                    position = next_position
                task = _new_audit(evaluation, item_id, a.queue_id, level, position, now)
                session.add(task)
            elif task.assigned_to != user:
                task.assignment_expires_at = None
                task.claimed_at = None
            task.assigned_to = user
            task.updated_at = now
            out.append(task)
    session.flush()
    promote(
        session,
        account_id=principal.account_id,
        now=now,
        queue_id=a.queue_id,
        evaluation_ids=[evaluation.id],
    )
    for task in out:
        session.refresh(task)
    return out


def _new_audit(
    evaluation: Evaluation, item_id: str, queue_id: str, level: int, position: int, now: datetime
) -> AnnotationTask:
    return AnnotationTask(
        account_id=evaluation.account_id,
        evaluation_id=evaluation.id,
        evaluation_item_id=item_id,
        queue_id=queue_id,
        task_type=AUDIT,
        slot=level,
        status=NOT_READY,
        priority=0,
        position=position,
        created_at=now,
        updated_at=now,
    )


def batch_update(
    session: Session, principal: Principal, body: BatchUpdate, now: datetime
) -> list[AnnotationTask]:
    """The tasks changed (ids mode: those found, in id order; audit mode: the audits, by item
    then level)."""
    if _mode(body) == "audit":
        assert body.audit_assignment is not None
        return _by_audit(session, principal, body.audit_assignment, now)
    return _by_ids(session, principal, body, now)
