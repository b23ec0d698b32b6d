"""`/v5/span-assessments`: people's judgements of spans (0.7.0)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.responses import DeletedOut, JSONBody, deleted
from yardstick.span.schemas import AssessmentType
from yardstick.span_assessment.schemas import (
    AssessmentCreate,
    AssessmentList,
    AssessmentOut,
    AssessmentUpdate,
    assessment_json,
    assessment_list_json,
)
from yardstick.span_assessment.service import span_assessment_service

router = APIRouter(
    prefix="/v5/span-assessments", tags=["span assessments"], route_class=OrjsonRoute
)

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such assessment in this account"}}
_NOT_OWN: Responses = {403: {"description": "Only the API key that made it may change it"}}
_OVERWRITE: Responses = {
    409: {"description": "The span has an overwrite assessment already (x-should-retry: false)"}
}


@router.post(
    "",
    response_model=AssessmentOut,
    responses={
        404: {"description": "No such span in the trace, no such trace, or no root span"},
        **_OVERWRITE,
    },
)
def create_span_assessment(
    body: AssessmentCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Assess a span (without `span_id`: the trace's root span)."""
    return JSONBody(assessment_json(span_assessment_service.create(session, principal, body=body)))


@router.get(
    "",
    response_model=AssessmentList,
    responses={400: {"description": "Not exactly one of span_id and trace_id"}},
)
def list_span_assessments(
    principal: PrincipalDep,
    session: ReadSessionDep,
    span_id: Annotated[str | None, Query(description="The assessments of this span")] = None,
    trace_id: Annotated[
        str | None, Query(description="The assessments of every span of this trace")
    ] = None,
    assessment_type: Annotated[AssessmentType | None, Query()] = None,
) -> JSONBody:
    """The assessments of a span or of a trace, oldest first; give exactly one of the two."""
    assessments = span_assessment_service.list(
        session,
        principal,
        span_id=span_id,
        trace_id=trace_id,
        assessment_type=assessment_type,
    )
    return JSONBody(assessment_list_json(assessments))


@router.get("/{assessment_id}", response_model=AssessmentOut, responses=_NOT_FOUND)
def get_span_assessment(
    assessment_id: str, principal: PrincipalDep, session: ReadSessionDep
) -> JSONBody:
    """Retrieve an assessment."""
    return JSONBody(assessment_json(span_assessment_service.get(session, principal, assessment_id)))


@router.patch(
    "/{assessment_id}",
    response_model=AssessmentOut,
    responses={**_NOT_OWN, **_NOT_FOUND, **_OVERWRITE},
)
def update_span_assessment(
    assessment_id: str,
    body: AssessmentUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
) -> JSONBody:
    """Change an assessment: the fields given replace the stored ones (`null` clears one)."""
    assessment = span_assessment_service.update(session, principal, assessment_id, body=body)
    return JSONBody(assessment_json(assessment))


@router.delete("/{assessment_id}", response_model=DeletedOut, responses={**_NOT_OWN, **_NOT_FOUND})
def delete_span_assessment(
    assessment_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Delete an assessment for good."""
    span_assessment_service.delete(session, principal, assessment_id)
    return deleted(assessment_id, "span.assessment")
