"""`/v5/annotation-tasks`: human review of evaluation items.

`PATCH /batch` is SGP's (0.7.0 `client.annotation_tasks.batch_update`); the rest is
Yardstick's own, for reviewers: SGP has no API for them (its web app does that work). The
reads take a write session: they first promote the tasks whose items became ready.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yardstick.annotation.schemas import (
    AnnotationTaskList,
    AnnotationTaskOut,
    BatchOut,
    BatchUpdate,
    ClaimBody,
    SubmitBody,
    TaskViewOut,
    task_json,
)
from yardstick.annotation.service import annotation_service
from yardstick.annotation.view import view_json
from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import RowOrder
from yardstick.kit.responses import JSONBody

router = APIRouter(
    prefix="/v5/annotation-tasks", tags=["annotation tasks"], route_class=OrjsonRoute
)

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such annotation task in this account"}}
_NOT_HELD: Responses = {
    409: {
        "description": "Not held by the caller (not claimed, someone else's, lock expired), "
        "already done, not ready, or its evaluation is archived (x-should-retry: false)"
    }
}


@router.get(
    "",
    response_model=AnnotationTaskList,
    responses={400: {"description": "An unknown pagination cursor"}},
)
def list_annotation_tasks(
    principal: PrincipalDep,
    session: WriteSessionDep,
    params: RowOrder,
    evaluation_id: str | None = None,
    queue_id: str | None = None,
    status: Annotated[str | None, Query(description="A task status, any case")] = None,
    assigned_to: Annotated[str | None, Query(description="An API key id")] = None,
    task_type: Annotated[str | None, Query(description="A task type, any case")] = None,
) -> JSONBody:
    """List annotation tasks in creation order (an evaluation's: item by item, slot by slot)."""
    page = annotation_service.list(
        session,
        principal,
        params=params,
        evaluation_id=evaluation_id,
        queue_id=queue_id,
        status=status,
        assigned_to=assigned_to,
        task_type=task_type,
    )
    return JSONBody(page.envelope([task_json(row[0]) for row in page.rows]))


@router.patch(
    "/batch",
    response_model=BatchOut,
    responses={
        403: {
            "description": "A status change or audit assignment by another key than the "
            "evaluation's creator"
        },
        404: {"description": "audit_assignment: no such evaluation in this account"},
        409: {
            "description": "A done task reassigned, a redo of a task not done, two slots of "
            "an item for one person, or an archived evaluation (x-should-retry: false)"
        },
    },
)
def batch_update_annotation_tasks(
    body: BatchUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Assign or change the status of many tasks, or assign auditors (all or nothing)."""
    tasks = annotation_service.batch_update(session, principal, body)
    return JSONBody({"object": "list", "items": [task_json(task) for task in tasks]})


@router.post(
    "/claim",
    response_model=AnnotationTaskOut | None,
    responses={404: {"description": "No task of this account is in the queue"}},
)
def claim_annotation_task(
    body: ClaimBody, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Take the caller's next task of a queue, locked to them; `null` when none is left."""
    task = annotation_service.claim(session, principal, body.queue_id, body.evaluation_id)
    return JSONBody(None if task is None else task_json(task))


@router.get("/{task_id}", response_model=TaskViewOut, responses=_NOT_FOUND)
def get_annotation_task(
    task_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Retrieve a task with its item as the layout shows it, its questions and its answers."""
    return JSONBody(view_json(annotation_service.view(session, principal, task_id)))


@router.post(
    "/{task_id}/submit", response_model=AnnotationTaskOut, responses={**_NOT_FOUND, **_NOT_HELD}
)
def submit_annotation_task(
    task_id: str, body: SubmitBody, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Answer a task the caller holds; the item's results are written once all its reviewers
    have answered."""
    task = annotation_service.submit(
        session,
        principal,
        task_id,
        body.answers,
        comment=body.comment,
        flagged_for_review=body.flagged_for_review,
    )
    return JSONBody(task_json(task))


@router.post(
    "/{task_id}/skip", response_model=AnnotationTaskOut, responses={**_NOT_FOUND, **_NOT_HELD}
)
def skip_annotation_task(
    task_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Release a task the caller holds and move it to the back of its queue."""
    return JSONBody(task_json(annotation_service.skip(session, principal, task_id)))
