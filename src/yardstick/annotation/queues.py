"""An evaluation's annotation queues, and the tasks made for them.

A queue is what an evaluation's `contributor_evaluation.question` tasks sharing a `queue_id`
form; tasks without one share the evaluation's default queue, whose id is the evaluation's id
(so, by default, a person answers all of an evaluation's questions about an item on one
screen). A queue id is the account's, not the evaluation's: two evaluations naming the same
queue feed one line of work.

Each item gets `reviewers_per_item` CONTRIBUTOR_ANNOTATION tasks per queue (slots 0…n-1), in
item order (`position`), written with one bulk insert when the evaluation is created or a
contributor task is added or changed. With `skip_prefilled_rows`, an item whose every alias of
the queue was prefilled gets none. A task starts NOT_READY when the queue's layouts show other
tasks' results, which may not exist yet (yardstick.annotation.readiness), else PENDING.

Adding or changing a contributor task rebuilds every queue of the evaluation, which is allowed
only while no annotation task of it has started: claimed (lock unexpired, or assigned by a
batch update), answered, or sent back for a redo. Otherwise people's work would be thrown away
or answer a question it was not asked: a 409, as SGP answers.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from yardstick.annotation.schemas import ANNOTATION, DONE, NOT_READY, PENDING, PENDING_REDO
from yardstick.errors import Conflict, Unprocessable
from yardstick.ids import new_ids
from yardstick.kit.bulk import bulk_insert
from yardstick.models import AnnotationTask, Evaluation, TaskResult
from yardstick.task.contributor_question import reviewers_per_item
from yardstick.task.dependencies import reads

CONTRIBUTOR = "contributor_evaluation.question"
_COLUMNS = (
    "id",
    "account_id",
    "evaluation_id",
    "evaluation_item_id",
    "queue_id",
    "task_type",
    "slot",
    "status",
    "priority",
    "position",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class Queue:
    """One queue of one evaluation."""

    queue_id: str
    reviewers: int
    # The contributor aliases answered in it, in task order.
    aliases: tuple[str, ...]
    # Other tasks' aliases its layouts show: an item is ready once each has a result.
    shown: tuple[str, ...]


def queue_id_of(task: dict[str, Any], evaluation_id: str) -> str:
    queue_id = task["configuration"].get("queue_id")
    return queue_id if isinstance(queue_id, str) else evaluation_id


def is_contributor(task: dict[str, Any]) -> bool:
    return bool(task["task_type"] == CONTRIBUTOR)


def queues_of(tasks: Sequence[dict[str, Any]], evaluation_id: str) -> list[Queue]:
    """The evaluation's queues, in the order of their first task."""
    every_alias = {task["alias"] for task in tasks}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        if is_contributor(task):
            grouped.setdefault(queue_id_of(task, evaluation_id), []).append(task)
    queues = []
    for queue_id, members in grouped.items():
        own = tuple(task["alias"] for task in members)
        shown: set[str] = set()
        for task in members:
            shown |= reads(task) & every_alias
        queues.append(
            Queue(
                queue_id=queue_id,
                # Tasks of a queue agree on it (check_reviewers); the first one's stands.
                reviewers=reviewers_per_item(members[0]["configuration"]),
                aliases=own,
                shown=tuple(sorted(shown - set(own))),
            )
        )
    return queues


def queue_of(tasks: Sequence[dict[str, Any]], evaluation_id: str, queue_id: str) -> Queue | None:
    return next((q for q in queues_of(tasks, evaluation_id) if q.queue_id == queue_id), None)


def check_reviewers(
    tasks: Sequence[dict[str, Any]],
    evaluation_id: str | None,
    loc_of: Callable[[int], list[str | int]],
) -> None:
    """Contributor tasks sharing a queue ask for as many reviewers per item: else a 422 at the
    `reviewers_per_item` of the first task that disagrees with the queue's first. Without an
    `evaluation_id` (not made yet) tasks without a `queue_id` share one default queue."""
    first: dict[str, tuple[int, int]] = {}  # queue → (its first task's index, reviewers)
    for index, task in enumerate(tasks):
        if not is_contributor(task):
            continue
        queue_id = queue_id_of(task, evaluation_id or "")
        reviewers = reviewers_per_item(task["configuration"])
        if queue_id not in first:
            first[queue_id] = (index, reviewers)
        elif first[queue_id][1] != reviewers:
            other, wanted = first[queue_id]
            raise Unprocessable(
                [*loc_of(index), "configuration", "reviewers_per_item"],
                f"task {other} answered in the same queue asks for {wanted} reviewers per "
                f"item and this one for {reviewers}: tasks sharing a queue must agree",
            )


def started(now: datetime) -> ColumnElement[bool]:
    """A task someone has begun: claimed (lock unexpired, or assigned by a batch update and not
    yet claimed), answered, or sent back for a redo."""
    task = AnnotationTask
    return or_(
        task.status.in_((PENDING_REDO, *DONE)),
        task.completed_at.is_not(None),
        and_(
            task.assigned_to.is_not(None),
            or_(task.assignment_expires_at.is_(None), task.assignment_expires_at > now),
        ),
    )


def has_started(session: Session, evaluation_id: str, now: datetime) -> bool:
    return bool(
        session.scalar(
            select(exists().where(AnnotationTask.evaluation_id == evaluation_id, started(now)))
        )
    )


class AnnotationStarted(Conflict):
    def __init__(self, evaluation_id: str) -> None:
        super().__init__(
            f"annotation of evaluation {evaluation_id!r} has started (a task is claimed or "
            "answered): its contributor tasks can no longer change"
        )


def clear(session: Session, evaluation_id: str, now: datetime) -> None:
    """Delete the evaluation's annotation tasks before its queues are made again; a 409 when
    one has started (then the request's transaction, which may have written, rolls back)."""
    if has_started(session, evaluation_id, now):
        raise AnnotationStarted(evaluation_id)
    session.execute(
        delete(AnnotationTask)
        .where(AnnotationTask.evaluation_id == evaluation_id, ~started(now))
        .execution_options(synchronize_session=False)
    )
    # A claim that committed between the check and the delete (which waited for its row lock,
    # on PostgreSQL, and then left the row alone) leaves a started task behind.
    if session.scalar(select(exists().where(AnnotationTask.evaluation_id == evaluation_id))):
        raise AnnotationStarted(evaluation_id)


def _all_prefilled(session: Session, evaluation_id: str, aliases: Sequence[str]) -> set[str]:
    """Items whose every alias of `aliases` has a prefilled cell."""
    stmt = (
        select(TaskResult.item_id)
        .where(
            TaskResult.evaluation_id == evaluation_id,
            TaskResult.alias.in_(list(aliases)),
            TaskResult.status == "prefilled",
        )
        .group_by(TaskResult.item_id)
        .having(func.count() == len(aliases))
    )
    return set(session.scalars(stmt))


def create_tasks(
    session: Session, evaluation: Evaluation, item_ids: Sequence[str], now: datetime
) -> int:
    """Write the annotation tasks of every queue of the evaluation (its prefilled cells must be
    written already); `item_ids` in row order. Returns how many."""
    queues = queues_of(evaluation.tasks, evaluation.id)
    rows: list[tuple[Any, ...]] = []
    for queue in queues:
        skipped = (
            _all_prefilled(session, evaluation.id, queue.aliases)
            if evaluation.skip_prefilled_rows
            else set()
        )
        status = NOT_READY if queue.shown else PENDING
        for position, item_id in enumerate(item_ids):
            if item_id in skipped:
                continue
            for slot in range(queue.reviewers):
                rows.append(
                    (
                        evaluation.account_id,
                        evaluation.id,
                        item_id,
                        queue.queue_id,
                        ANNOTATION,
                        slot,
                        status,
                        0,
                        position,
                        now,
                        now,
                    )
                )
    # Ids in write order (item, then slot), so a list in id order reads a queue in order.
    ids = new_ids(len(rows))
    bulk_insert(
        session,
        AnnotationTask.__table__,  # type: ignore[arg-type]
        _COLUMNS,
        [(task_id, *row) for task_id, row in zip(ids, rows, strict=True)],
    )
    return len(rows)
