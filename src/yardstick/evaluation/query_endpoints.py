"""Read-only views of evaluations beside the resource itself: filter, summary, schema, taxonomy.

Mounted before the evaluation router (api.py), though nothing there shadows these paths:
`POST /v5/evaluations/filter` is the only one-segment POST under /v5/evaluations.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep
from yardstick.evaluation.endpoints import render_evaluations
from yardstick.evaluation.filter import FilterBody, evaluation_filter_service
from yardstick.evaluation.schema_view import evaluation_schema_service, schema_json
from yardstick.evaluation.schemas import EvaluationList, EvaluationSchemaOut, EvaluationSummaryOut
from yardstick.evaluation.summary import evaluation_summary_service
from yardstick.evaluation.taxonomy import evaluation_taxonomy_service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import views_filter
from yardstick.kit.responses import JSONBody

router = APIRouter(prefix="/v5/evaluations", tags=["evaluations"], route_class=OrjsonRoute)

IncludeArchived = Annotated[bool, Query(description="Include archived evaluations")]
Views = Annotated[list[str], Depends(views_filter)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such evaluation in this account"}
}


@router.post("/filter", response_model=EvaluationList)
def filter_evaluations(
    body: FilterBody,
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    views: Views,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """List the evaluations whose metadata, status and tags match every filter (at most 10)."""
    page = evaluation_filter_service.filter(
        session, principal, params=params, body=body, include_archived=include_archived
    )
    evaluations = [row[0] for row in page.rows]
    return JSONBody(
        page.envelope(render_evaluations(session, evaluations, with_tasks="tasks" in views))
    )


@router.get("/{evaluation_id}/summary", response_model=EvaluationSummaryOut, responses=NOT_FOUND)
def get_evaluation_summary(
    evaluation_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """Per task alias: cells by status, errors by type, numeric and categorical results,
    latency percentiles, tokens and cost."""
    return JSONBody(
        evaluation_summary_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
    )


@router.get("/{evaluation_id}/schema", response_model=EvaluationSchemaOut, responses=NOT_FOUND)
def get_evaluation_schema(
    evaluation_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """The fields of the evaluation's item data and task results, with types and item counts."""
    schema = evaluation_schema_service.get(
        session, principal, evaluation_id, include_archived=include_archived
    )
    return JSONBody(schema_json(schema))


@router.get(
    "/{evaluation_id}/taxonomy",
    response_model=dict[str, Any],
    responses={404: {"description": "No such evaluation here, or it has no taxonomy"}},
)
def get_evaluation_taxonomy(
    evaluation_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """The taxonomy document given at create (`taxonomy_params`); 404 when there is none."""
    return JSONBody(
        evaluation_taxonomy_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
    )
