from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.evaluation.progress import progress_of
from yardstick.evaluation.schemas import (
    ArchivedEvaluationOut,
    EvaluationCreate,
    EvaluationDryRunOut,
    EvaluationList,
    EvaluationOut,
    EvaluationUpdate,
    evaluation_json,
)
from yardstick.evaluation.service import evaluation_service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import tags_filter, views_filter
from yardstick.kit.responses import JSONBody
from yardstick.models import Evaluation

router = APIRouter(prefix="/v5/evaluations", tags=["evaluations"], route_class=OrjsonRoute)

IncludeArchived = Annotated[bool, Query(description="Include archived evaluations")]
Views = Annotated[list[str], Depends(views_filter)]


def _render(
    session: Session, evaluations: list[Evaluation], *, with_tasks: bool
) -> list[dict[str, Any]]:
    """Evaluations with their datasets and progress, in two or three queries for the lot."""
    datasets = evaluation_service.datasets_of(session, evaluations)
    progress = progress_of(session, evaluations)
    return [
        evaluation_json(e, datasets[e.id], with_tasks=with_tasks, progress=progress[e.id])
        for e in evaluations
    ]


# Public for the other evaluation routes that answer with evaluations (evaluation/query_endpoints.py).
render_evaluations = _render


@router.post("", response_model=EvaluationOut | EvaluationDryRunOut)
def create_evaluation(
    body: EvaluationCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Create an evaluation from rows, from a dataset, or with a new dataset; tasks run after.

    With `dry_run: true` nothing is created: the answer is the estimated model calls, tokens
    and cost of the run instead."""
    if body.dry_run:
        return JSONBody(evaluation_service.dry_run(session, principal, body=body))
    evaluation = evaluation_service.create(session, principal, body=body)
    return JSONBody(_render(session, [evaluation], with_tasks=True)[0])


@router.get("/{evaluation_id}", response_model=EvaluationOut)
def get_evaluation(
    evaluation_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    views: Views,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """Retrieve an evaluation; `views=tasks` adds its tasks."""
    evaluation = evaluation_service.get(
        session, principal, evaluation_id, include_archived=include_archived
    )
    return JSONBody(_render(session, [evaluation], with_tasks="tasks" in views)[0])


@router.patch("/{evaluation_id}", response_model=EvaluationOut)
def update_evaluation(
    evaluation_id: str,
    body: EvaluationUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    views: Views,
) -> JSONBody:
    """Update an evaluation's name, description, tags or metadata (a merge patch), or restore
    an archived one with `{"restore": true}`."""
    evaluation = evaluation_service.update(session, principal, evaluation_id, body=body)
    return JSONBody(_render(session, [evaluation], with_tasks="tasks" in views)[0])


@router.get("", response_model=EvaluationList)
def list_evaluations(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    views: Views,
    tags: Annotated[list[str], Depends(tags_filter)],
    name: str | None = None,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """List evaluations, newest first."""
    page = evaluation_service.list(
        session, principal, params=params, name=name, tags=tags, include_archived=include_archived
    )
    evaluations = [row[0] for row in page.rows]
    return JSONBody(page.envelope(_render(session, evaluations, with_tasks="tasks" in views)))


@router.delete("/{evaluation_id}", response_model=ArchivedEvaluationOut)
def archive_evaluation(
    evaluation_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Archive an evaluation and its items; returns it with `deleted: true`.

    The body is the archived Evaluation (what 0.7.0 reads) plus `deleted` (what a29 reads).
    """
    evaluation = evaluation_service.archive(session, principal, evaluation_id)
    return JSONBody({**_render(session, [evaluation], with_tasks=False)[0], "deleted": True})
