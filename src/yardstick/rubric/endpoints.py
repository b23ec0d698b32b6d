"""`/v5/rubrics`: rubrics and their criteria, both versioned (0.7.0 `client.rubrics`)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import tags_filter
from yardstick.kit.responses import DeletedOut, JSONBody, deleted
from yardstick.rubric.criteria import criterion_service
from yardstick.rubric.schemas import (
    CriterionCreate,
    CriterionOut,
    CriterionUpdate,
    CriterionVersionList,
    RubricCreate,
    RubricList,
    RubricOut,
    RubricUpdate,
    criterion_json,
    rubric_json,
)
from yardstick.rubric.service import rubric_service

router = APIRouter(prefix="/v5/rubrics", tags=["rubrics"], route_class=OrjsonRoute)

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such rubric in this account"}}
_CRITERION_NOT_FOUND: Responses = {
    404: {"description": "No such rubric in this account, or no such criterion in it"}
}
_ARCHIVED: Responses = {
    409: {"description": "The rubric is archived: restore it first (x-should-retry: false)"}
}


@router.post("", response_model=RubricOut)
def create_rubric(
    body: RubricCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Create a rubric at version 1, with its first criteria when given."""
    view = rubric_service.create(session, principal, body=body)
    return JSONBody(rubric_json(view.rubric, view.criteria))


@router.get(
    "", response_model=RubricList, responses={400: {"description": "An unknown pagination cursor"}}
)
def list_rubrics(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    tags: Annotated[list[str], Depends(tags_filter)],
    title: Annotated[
        str | None, Query(description="Rubrics whose title contains this (case-insensitive)")
    ] = None,
) -> JSONBody:
    """List live rubrics at their latest version, newest first, criteria as `{title, weight}`."""
    page, views = rubric_service.list(session, principal, params=params, title=title, tags=tags)
    return JSONBody(
        page.envelope([rubric_json(view.rubric, view.criteria, summary=True) for view in views])
    )


@router.get("/{rubric_id}", response_model=RubricOut, responses=_NOT_FOUND)
def get_rubric(rubric_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a rubric, archived or not, at its latest version with its criteria in full."""
    view = rubric_service.get(session, principal, rubric_id)
    return JSONBody(rubric_json(view.rubric, view.criteria))


@router.patch("/{rubric_id}", response_model=RubricOut, responses={**_NOT_FOUND, **_ARCHIVED})
def update_rubric(
    rubric_id: str, body: RubricUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Write a new version with the fields sent, or restore an archived rubric."""
    view = rubric_service.update(session, principal, rubric_id, body=body)
    return JSONBody(rubric_json(view.rubric, view.criteria))


@router.delete(
    "/{rubric_id}",
    response_model=DeletedOut,
    responses={**_NOT_FOUND, 409: {"description": "Already archived (x-should-retry: false)"}},
)
def archive_rubric(rubric_id: str, principal: PrincipalDep, session: WriteSessionDep) -> JSONBody:
    """Archive a rubric (a soft delete: it keeps its versions and criteria)."""
    rubric_service.archive(session, principal, rubric_id)
    return deleted(rubric_id, "rubric")


@router.post(
    "/{rubric_id}/criteria", response_model=CriterionOut, responses={**_NOT_FOUND, **_ARCHIVED}
)
def create_criterion(
    rubric_id: str, body: CriterionCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Add a criterion to a live rubric, at version 1."""
    criterion = criterion_service.create(session, principal, rubric_id, body=body)
    return JSONBody(criterion_json(criterion))


@router.patch(
    "/{rubric_id}/criteria/{rubric_criteria_id}",
    response_model=CriterionOut,
    responses={**_CRITERION_NOT_FOUND, **_ARCHIVED},
)
def update_criterion(
    rubric_id: str,
    rubric_criteria_id: str,
    body: CriterionUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
) -> JSONBody:
    """Write the criterion's next version with the fields sent; the others carry over."""
    criterion = criterion_service.update(
        session, principal, rubric_id, rubric_criteria_id, body=body
    )
    return JSONBody(criterion_json(criterion))


@router.get(
    "/{rubric_id}/criteria/{rubric_criteria_id}/versions",
    response_model=CriterionVersionList,
    responses={
        **_CRITERION_NOT_FOUND,
        400: {"description": "A cursor that is not one of the criterion's version numbers"},
    },
)
def list_criterion_versions(
    rubric_id: str,
    rubric_criteria_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
) -> JSONBody:
    """List every version of a criterion, newest first; the cursors are version numbers."""
    page = criterion_service.versions(
        session, principal, rubric_id, rubric_criteria_id, params=params
    )
    return JSONBody(page.envelope([criterion_json(row) for row in page.rows]))
