"""What the review screen shows, through the annotation service (yardstick.annotation.service).

- `queues`: the account's queues with their tasks counted (`/review`).
- `current`: the caller's next task of a queue, claimed for them (`annotation_service.claim`:
  a task they already hold comes first, so a reload shows the same task), or the empty state.
- `past`: one of the caller's own answered tasks of the queue, read-only, from
  `annotation_service.history` (most recent first); another person's task is a 404 here, so
  that reviewers never see each other's answers.
- `act`: a submit or a skip. It runs in a savepoint: when the service refuses (a 422 naming
  the question, a 409 such as an expired claim) nothing of it stays, and the page is shown
  again with the message and the form as it was sent.

Reviewer identity is the signed-in API key (`Principal.user_id`), as for the API.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from yardstick.annotation.schemas import AUDIT, DONE, NOT_READY, OPEN
from yardstick.annotation.service import annotation_service
from yardstick.annotation.view import Review, TaskView
from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import AppError, Conflict, NotFound, Unprocessable
from yardstick.evaluation.service import evaluation_service
from yardstick.kit.pagination import PageParams
from yardstick.kit.responses import format_ts
from yardstick.models import AnnotationTask, Evaluation
from yardstick.web.review.form import (
    Control,
    answers_of,
    controls,
    read_form,
    storable,
    with_answers,
    with_error,
)
from yardstick.web.review.layout import Box, build_layout
from yardstick.web.review.repository import review_page_repository

Done = Literal["submitted", "skipped"]
NOTICES: dict[str, str] = {
    "submitted": "Saved your answers to the previous item.",
    "skipped": "Skipped the previous item: it went to the back of the queue.",
}


@dataclass(frozen=True)
class Scope:
    """The work a page is about: a queue, or one evaluation's part of it."""

    queue_id: str
    evaluation_id: str | None = None

    def url(self, **extra: str) -> str:
        query = {"queue_id": self.queue_id}
        if self.evaluation_id:
            query["evaluation_id"] = self.evaluation_id
        return "/review?" + urlencode({**query, **extra})


@dataclass(frozen=True)
class QueueRow:
    queue_id: str
    evaluation: Evaluation | None  # when the queue is an evaluation's default one
    open: int
    waiting: int
    done: int
    total: int

    @property
    def url(self) -> str:
        return Scope(self.queue_id).url()


@dataclass(frozen=True)
class TaskPage:
    scope: Scope
    task: AnnotationTask
    evaluation: Evaluation
    layout: Box
    controls: list[Control]
    comment: str
    flagged: bool
    readonly: bool  # one of the caller's past tasks
    back: str | None  # the previous of the caller's answered tasks
    forward: str | None  # toward the current task
    answered: int  # the caller's answered tasks in the scope (up to the history's limit)
    reviews: list[Review] | None  # an audit's: the reviewers' answers to the item
    place: int | None = None  # a past task's place in them, 1 the most recent
    error: str | None = None
    conflict: bool = False  # the error is a 409: the task is no longer the caller's to answer
    notice: str | None = None

    @property
    def since(self) -> str:
        """When the caller claimed the task (ISO 8601, UTC): the timer counts from it."""
        return format_ts(self.task.claimed_at) or ""

    @property
    def elapsed(self) -> int:
        """Whole seconds since the claim, now: the browser's timer counts on from them (its
        clock may differ from the server's)."""
        claimed = self.task.claimed_at
        return 0 if claimed is None else max(0, int((utcnow() - claimed).total_seconds()))

    @property
    def clock(self) -> str:
        minutes, seconds = divmod(self.elapsed, 60)
        return f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class EmptyPage:
    scope: Scope
    evaluation: Evaluation | None
    back: str | None  # the caller's last answered task
    answered: int
    held: int  # open tasks others hold, or of items the caller answered already
    waiting: int  # tasks whose items still lack the results their layout shows


def _controls(view: TaskView) -> list[Control]:
    return controls(view.questions, audit=view.task.task_type == AUDIT)


def _counts(by_status: dict[str, int]) -> tuple[int, int, int]:
    """(open, waiting, done)."""
    return (
        sum(by_status.get(s, 0) for s in OPEN),
        by_status.get(NOT_READY, 0),
        sum(by_status.get(s, 0) for s in DONE),
    )


class ReviewPageService:
    def queues(self, session: Session, principal: Principal) -> list[QueueRow]:
        """Every queue of the account, the ones with open tasks first."""
        # A read through the service promotes the account's waiting tasks whose items became
        # ready (yardstick.annotation.readiness), so the counts below are current.
        annotation_service.list(
            session, principal, params=PageParams(1, None, None, "asc"), status=NOT_READY
        )
        counted = review_page_repository.queue_counts(session, account_id=principal.account_id)
        evaluations = review_page_repository.evaluations(
            session, account_id=principal.account_id, ids=[q.queue_id for q in counted]
        )
        rows = []
        for queue in counted:
            evaluation = evaluations.get(queue.queue_id)
            open_, waiting, done = _counts(queue.by_status)
            total = sum(queue.by_status.values())
            rows.append(QueueRow(queue.queue_id, evaluation, open_, waiting, done, total))
        rows.sort(key=lambda row: (row.open == 0, row.queue_id))
        return rows

    def current(
        self, session: Session, principal: Principal, scope: Scope, done: Done | None = None
    ) -> TaskPage | EmptyPage:
        """Claim the caller's next task of the scope and show it; the empty state when none
        is left for them."""
        task = annotation_service.claim(session, principal, scope.queue_id, scope.evaluation_id)
        history = self._history(session, principal, scope)
        if task is None:
            return self._empty(session, principal, scope, history)
        view = annotation_service.view(session, principal, task.id)
        return self._page(
            session,
            principal,
            scope,
            view,
            controls=with_answers(_controls(view), view.answers),
            history=history,
            notice=NOTICES.get(done or ""),
        )

    def past(self, session: Session, principal: Principal, scope: Scope, task_id: str) -> TaskPage:
        """One of the caller's answered tasks of the scope, with their answers, read-only."""
        history = self._history(session, principal, scope)
        if task_id not in {task.id for task in history}:
            raise NotFound("answered task of yours in this queue", task_id)
        view = annotation_service.view(session, principal, task_id)
        return self._page(
            session,
            principal,
            scope,
            view,
            controls=with_answers(_controls(view), view.answers),
            history=history,
            readonly=True,
        )

    def act(
        self,
        session: Session,
        principal: Principal,
        scope: Scope,
        task_id: str,
        *,
        action: Literal["submit", "skip"],
        form: FormData,
    ) -> tuple[TaskPage, AppError] | None:
        """Submit the form's answers to the task, or skip it. None when done; else the page
        again, with the form as sent and the service's error."""
        view = annotation_service.view(session, principal, task_id)
        sent = read_form(_controls(view), form)
        comment = str(form.get("comment") or "")
        flagged = bool(form.get("flagged_for_review"))
        try:
            with session.begin_nested():
                if action == "skip":
                    annotation_service.skip(session, principal, task_id)
                else:
                    answers = answers_of(sent)
                    storable(answers, comment)
                    annotation_service.submit(
                        session,
                        principal,
                        task_id,
                        answers,
                        comment=comment.strip() or None,
                        flagged_for_review=flagged or None,
                    )
        except (Unprocessable, Conflict) as error:
            marked, message = with_error(sent, error)
            page = self._page(
                session,
                principal,
                scope,
                view,
                controls=marked,
                history=self._history(session, principal, scope),
                error=message,
                conflict=isinstance(error, Conflict),
                comment=comment,
                flagged=flagged,
            )
            return page, error
        return None

    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _history(session: Session, principal: Principal, scope: Scope) -> list[AnnotationTask]:
        """The caller's answered tasks of the scope, most recent first (what is still theirs
        to do, such as a redo, is their current work, not their history)."""
        return [
            task
            for task in annotation_service.history(session, principal, scope.queue_id)
            if task.status in DONE
            and task.completed_by == principal.user_id
            and (scope.evaluation_id is None or task.evaluation_id == scope.evaluation_id)
        ]

    def _page(
        self,
        session: Session,
        principal: Principal,
        scope: Scope,
        view: TaskView,
        *,
        controls: list[Control],
        history: Sequence[AnnotationTask],
        readonly: bool = False,
        error: str | None = None,
        conflict: bool = False,
        notice: str | None = None,
        comment: str | None = None,
        flagged: bool | None = None,
    ) -> TaskPage:
        task = view.task
        ids = [t.id for t in history]
        place = ids.index(task.id) if readonly else -1
        back = scope.url(task_id=ids[place + 1]) if place + 1 < len(ids) else None
        forward = None
        if readonly:
            forward = scope.url(task_id=ids[place - 1]) if place > 0 else scope.url()
        return TaskPage(
            scope=scope,
            task=task,
            evaluation=evaluation_service.get(
                session, principal, task.evaluation_id, include_archived=True
            ),
            layout=build_layout(session, principal, view.layout, view.files),
            controls=controls,
            comment=(task.review_comment or "") if comment is None else comment,
            flagged=bool(task.flagged_for_review) if flagged is None else flagged,
            readonly=readonly,
            back=back,
            forward=forward,
            answered=len(ids),
            reviews=view.reviews,
            place=place + 1 if readonly else None,
            error=error,
            conflict=conflict,
            notice=notice,
        )

    @staticmethod
    def _empty(
        session: Session, principal: Principal, scope: Scope, history: Sequence[AnnotationTask]
    ) -> EmptyPage:
        account_id = principal.account_id
        counted = review_page_repository.queue_counts(
            session, account_id=account_id, queue_id=scope.queue_id
        )
        open_, waiting, _ = _counts(counted[0].by_status if counted else {})
        evaluation_id = scope.evaluation_id or review_page_repository.an_evaluation_of(
            session, account_id=account_id, queue_id=scope.queue_id
        )
        found = review_page_repository.evaluations(
            session, account_id=account_id, ids=[evaluation_id] if evaluation_id else []
        )
        return EmptyPage(
            scope=scope,
            evaluation=found.get(evaluation_id or ""),
            back=scope.url(task_id=history[0].id) if history else None,
            answered=len(history),
            held=open_,
            waiting=waiting,
        )


review_page_service = ReviewPageService()
