"""Rules for reviewers' work on annotation tasks: claim, view, submit, skip, history, lists.

These are the functions the routes call, and the ones the web UI's review screen calls too;
each takes the session first and the caller's Principal (whose `user_id`, the API key's id, is
the reviewer). Another account's tasks are 404s, like tasks that do not exist.

- A caller works only on a task they hold: assigned to them, with a lock that has not expired
  (or an assignment by a batch update, which waits for them). Submitting or skipping a task one
  does not hold, or holds no more, is a 409 saying which; so is submitting a done task.
- Submit checks every answer first (yardstick.annotation.answers), then replaces the task's
  answers, completes it, and, when that finishes the item's work in the queue, writes the
  item's results (yardstick.annotation.aggregate). An audit's answers also mark the reviewers'
  tasks they contradict FIXED.
- Skip releases the task and sends its item (its free slots) to the back of its queue; a
  skipped audit stays reserved for its auditor, the only one it is handed out to.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from yardstick.annotation import batch
from yardstick.annotation.aggregate import differs, settle
from yardstick.annotation.answers import Answer, check_answers
from yardstick.annotation.claim import claim_next
from yardstick.annotation.questions import QueueQuestion, queue_questions
from yardstick.annotation.readiness import promote
from yardstick.annotation.repository import annotation_task_repository as repository
from yardstick.annotation.schemas import (
    ANNOTATION,
    AUDIT,
    COMPLETED,
    DONE,
    FIXED,
    NOT_READY,
    OPEN,
    TASK_TYPES,
    BatchUpdate,
    status_of,
)
from yardstick.annotation.view import Review, TaskView, item_values, layout_for, submitted
from yardstick.auth.service import Principal
from yardstick.config import get_settings
from yardstick.db.types import utcnow
from yardstick.errors import AppError, Conflict, NotFound, Unprocessable
from yardstick.evaluation_item.repository import evaluation_item_repository
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.responses import format_ts
from yardstick.models import AnnotationAnswer, AnnotationTask, Evaluation

T = AnnotationTask
# `sort_by` values a task list accepts besides the default (creation order: item, then slot).
SORTABLE = {"position": T.position, "updated_at": T.updated_at, "priority": T.priority}
HISTORY_LIMIT = 100


class QueueNotFound(NotFound):
    def __init__(self, queue_id: str, evaluation_id: str | None) -> None:
        where = f" in evaluation {evaluation_id!r}" if evaluation_id else ""
        AppError.__init__(self, f"annotation queue {queue_id!r} not found{where}")


def _lock() -> timedelta:
    return timedelta(seconds=get_settings().annotation_lock_seconds)


def _check_holds(task: AnnotationTask, principal: Principal, now: datetime) -> None:
    """409 unless the caller holds the task now."""
    if task.assigned_to is None:
        raise Conflict(
            f"annotation task {task.id!r} is not yours: claim it first "
            "(POST /v5/annotation-tasks/claim)"
        )
    if task.assigned_to != principal.user_id:
        raise Conflict(f"annotation task {task.id!r} is assigned to someone else")
    expires = task.assignment_expires_at
    if expires is not None and expires <= now:
        raise Conflict(
            f"your claim on annotation task {task.id!r} expired at {format_ts(expires)}: "
            "claim it again"
        )


def _free_slot(task: AnnotationTask, now: datetime) -> bool:
    """An open reviewer slot nobody holds (never claimed, released, or its lock expired)."""
    expires = task.assignment_expires_at
    return (
        task.task_type == ANNOTATION
        and task.status in OPEN
        and (task.assigned_to is None or (expires is not None and expires <= now))
    )


class AnnotationService:
    # --- reading ------------------------------------------------------------------------------

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        evaluation_id: str | None = None,
        queue_id: str | None = None,
        status: str | None = None,
        assigned_to: str | None = None,
        task_type: str | None = None,
    ) -> Page:
        """A page of the account's tasks (waiting ones promoted first), in creation order."""
        wanted = None
        if status is not None:
            try:
                wanted = status_of(status)
            except ValueError as exc:
                raise Unprocessable(["query", "status"], str(exc)) from exc
        if task_type is not None and task_type.upper() not in TASK_TYPES:
            raise Unprocessable(["query", "task_type"], f"must be one of {', '.join(TASK_TYPES)}")
        promote(
            session,
            account_id=principal.account_id,
            now=utcnow(),
            queue_id=queue_id,
            evaluation_ids=None if evaluation_id is None else [evaluation_id],
        )
        stmt = repository.list_stmt(
            account_id=principal.account_id,
            evaluation_id=evaluation_id,
            queue_id=queue_id,
            status=wanted,
            assigned_to=assigned_to,
            task_type=None if task_type is None else task_type.upper(),
        )
        return paginate(
            session,
            stmt,
            key=T.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=repository.cursor_check(session, principal.account_id),
        )

    def get(self, session: Session, principal: Principal, task_id: str) -> AnnotationTask:
        """The task, its status brought up to date."""
        task = repository.require(session, account_id=principal.account_id, row_id=task_id)
        if task.status == NOT_READY:
            promote(
                session,
                account_id=principal.account_id,
                now=utcnow(),
                queue_id=task.queue_id,
                evaluation_ids=[task.evaluation_id],
            )
            session.refresh(task)
        return task

    def view(self, session: Session, principal: Principal, task_id: str) -> TaskView:
        """The task with what its reviewer is shown: the item through the layout, the
        questions, and the answers given so far."""
        task = self.get(session, principal, task_id)
        evaluation = self._evaluation(session, task)
        data, files = repository.item(session, task.evaluation_item_id)
        cells = evaluation_item_repository.cells_of(session, [task.evaluation_item_id])
        item, failed = item_values(data, cells.get(task.evaluation_item_id, []))
        # A file attached to the row under a column the data lacks (an image to judge): the
        # layout's `item.<column>` shows it, reading its file id.
        for column, file_id in (files or {}).items():
            item.setdefault(column, file_id)
        questions = self._questions(session, principal, evaluation, task.queue_id)
        answers = repository.answers_of(session, [task.id])[task.id]
        return TaskView(
            task=task,
            item_id=task.evaluation_item_id,
            layout=layout_for(evaluation.tasks, evaluation.id, task.queue_id, item, failed),
            files=files or {},
            questions=questions,
            answers=submitted(answers),
            reviews=self._reviews(session, principal, task) if task.task_type == AUDIT else None,
        )

    def history(
        self,
        session: Session,
        principal: Principal,
        queue_id: str,
        *,
        limit: int = HISTORY_LIMIT,
    ) -> builtins.list[AnnotationTask]:
        """The caller's own tasks in the queue (held, or answered), most recently changed
        first."""
        return repository.history(
            session,
            account_id=principal.account_id,
            user_id=principal.user_id,
            queue_id=queue_id,
            limit=limit,
        )

    # --- working ------------------------------------------------------------------------------

    def claim(
        self,
        session: Session,
        principal: Principal,
        queue_id: str,
        evaluation_id: str | None = None,
    ) -> AnnotationTask | None:
        """The caller's next task of the queue, now locked to them (see yardstick.annotation.
        claim for the order); None when the queue has nothing left for them."""
        if not repository.queue_exists(
            session, account_id=principal.account_id, queue_id=queue_id, evaluation_id=evaluation_id
        ):
            raise QueueNotFound(queue_id, evaluation_id)
        now = utcnow()
        promote(
            session,
            account_id=principal.account_id,
            now=now,
            queue_id=queue_id,
            evaluation_ids=None if evaluation_id is None else [evaluation_id],
        )
        task_id = claim_next(
            session,
            principal,
            queue_id=queue_id,
            evaluation_id=evaluation_id,
            now=now,
            lock=_lock(),
        )
        if task_id is None:
            return None
        task = session.get(T, task_id, populate_existing=True)
        assert task is not None
        return task

    def submit(
        self,
        session: Session,
        principal: Principal,
        task_id: str,
        answers: dict[str, object],
        comment: str | None = None,
        flagged_for_review: bool | None = None,
    ) -> AnnotationTask:
        """Store the caller's answers to a task they hold and complete it; nothing is stored
        when any check fails."""
        now = utcnow()
        task, siblings = self._held(session, principal, task_id, now)
        evaluation = self._evaluation(session, task)
        questions = self._questions(session, principal, evaluation, task.queue_id)
        checked = check_answers(questions, answers, audit=task.task_type == AUDIT)
        repository.replace_answers(
            session,
            task,
            [
                AnnotationAnswer(
                    task_id=task.id,
                    alias=answer.alias,
                    evaluation_id=task.evaluation_id,
                    evaluation_item_id=task.evaluation_item_id,
                    reviewer=principal.user_id,
                    value=answer.value,
                    details=answer.details,
                    created_at=now,
                )
                for answer in checked
            ],
        )
        task.status = COMPLETED
        task.completed_by = principal.user_id
        task.completed_at = now
        task.duration_seconds = (
            None if task.claimed_at is None else (now - task.claimed_at).total_seconds()
        )
        task.review_comment = comment
        task.flagged_for_review = flagged_for_review
        task.assignment_expires_at = None
        task.updated_at = now
        if task.task_type == AUDIT:
            self._fix_contradicted(session, task, siblings, questions, checked, now)
        session.flush()
        settle(
            session,
            evaluation_id=task.evaluation_id,
            item_id=task.evaluation_item_id,
            queue_id=task.queue_id,
            questions=questions,
            now=now,
        )
        return task

    def skip(self, session: Session, principal: Principal, task_id: str) -> AnnotationTask:
        """Release a task the caller holds and send its item to the back of its queue (an
        audit stays its auditor's)."""
        now = utcnow()
        task, siblings = self._held(session, principal, task_id, now)
        position = repository.next_position(
            session, account_id=principal.account_id, queue_id=task.queue_id
        )
        task.assignment_expires_at = None
        task.claimed_at = None
        moved = [task]
        # An audit is handed out to its auditor alone: released, nobody could ever claim it
        # again. So it stays theirs (reserved, as a batch update assigns it), behind their
        # other work.
        if task.task_type != AUDIT:
            task.assigned_to = None
            # The item's other free slots go back with it: left in place, the caller's next
            # claim would hand them the item they just skipped again, through its next slot.
            moved += [t for t in siblings if t is not task and _free_slot(t, now)]
        for each in moved:
            each.position = position
            each.updated_at = now
        session.flush()
        return task

    def batch_update(
        self, session: Session, principal: Principal, body: BatchUpdate
    ) -> builtins.list[AnnotationTask]:
        """`PATCH /v5/annotation-tasks/batch` (see yardstick.annotation.batch)."""
        return batch.batch_update(session, principal, body, utcnow())

    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _evaluation(session: Session, task: AnnotationTask) -> Evaluation:
        evaluation = session.get(Evaluation, task.evaluation_id)
        assert evaluation is not None  # tasks reference their evaluation
        return evaluation

    @staticmethod
    def _questions(
        session: Session, principal: Principal, evaluation: Evaluation, queue_id: str
    ) -> builtins.list[QueueQuestion]:
        return queue_questions(
            session,
            principal,
            evaluation_id=evaluation.id,
            tasks=evaluation.tasks,
            queue_id=queue_id,
        )

    def _held(
        self, session: Session, principal: Principal, task_id: str, now: datetime
    ) -> tuple[AnnotationTask, builtins.list[AnnotationTask]]:
        """The task the caller holds, locked, with its item's other tasks in the queue read
        under the item's lock (see the repository's `serialise`); 404 / 409 otherwise."""
        repository.require(session, account_id=principal.account_id, row_id=task_id)
        (task,) = repository.hold(session, account_id=principal.account_id, task_ids=[task_id])
        repository.serialise(session, [(task.evaluation_item_id, task.queue_id)])
        siblings = [
            t
            for t in repository.items_tasks(session, [task.evaluation_item_id])
            if t.queue_id == task.queue_id
        ]
        if self._evaluation(session, task).archived_at is not None:
            raise Conflict(f"evaluation {task.evaluation_id!r} is archived: restore it first")
        if task.status in DONE:
            raise Conflict(
                f"annotation task {task.id!r} is {task.status} already: it can be answered "
                "again only once sent back for a redo (status PENDING_REDO)"
            )
        if task.status == NOT_READY:
            raise Conflict(
                f"annotation task {task.id!r} is NOT_READY: the results it shows are not in yet"
            )
        _check_holds(task, principal, now)
        return task, siblings

    @staticmethod
    def _reviews(
        session: Session, principal: Principal, task: AnnotationTask
    ) -> builtins.list[Review]:
        tasks = repository.items_tasks(session, [task.evaluation_item_id])
        done = [
            t
            for t in tasks
            if t.task_type == ANNOTATION and t.queue_id == task.queue_id and t.status in DONE
        ]
        answers = repository.answers_of(session, [t.id for t in done])
        return [
            Review(
                task_id=t.id,
                slot=t.slot,
                reviewer=t.completed_by or "",
                answers=submitted(answers[t.id]) or {},
            )
            for t in done
        ]

    @staticmethod
    def _fix_contradicted(
        session: Session,
        audit: AnnotationTask,
        siblings: builtins.list[AnnotationTask],
        questions: builtins.list[QueueQuestion],
        checked: builtins.list[Answer],
        now: datetime,
    ) -> None:
        """Reviewers' done tasks whose answer the audit changed become FIXED."""
        reviewed = [
            t
            for t in siblings
            if t.task_type == ANNOTATION and t.queue_id == audit.queue_id and t.status in DONE
        ]
        given = repository.answers_of(session, [t.id for t in reviewed])
        by_alias = {q.alias: q for q in questions}
        for task in reviewed:
            theirs = {alias: value for alias, value, _ in given[task.id]}
            if any(
                answer.alias in theirs
                and differs(by_alias[answer.alias], theirs[answer.alias], answer.value)
                for answer in checked
            ):
                task.status = FIXED
                task.updated_at = now


annotation_service = AnnotationService()
