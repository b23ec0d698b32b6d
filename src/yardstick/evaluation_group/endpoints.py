"""`/v5/evaluation-groups`: evaluations bundled for reading side by side (0.7.0)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.evaluation_group.schemas import (
    EvaluationGroupList,
    EvaluationGroupOut,
    EvaluationGroupSchemaOut,
    GroupCreate,
    GroupReplace,
    GroupUpdate,
    group_json,
    group_schema_json,
)
from yardstick.evaluation_group.service import evaluation_group_service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import split_comma_list
from yardstick.kit.responses import JSONBody

router = APIRouter(
    prefix="/v5/evaluation-groups", tags=["evaluation groups"], route_class=OrjsonRoute
)

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such evaluation group in this account"}}
_BAD_MEMBERS: Responses = {
    400: {
        "description": "`evaluation_ids` is empty, repeats an id, or names an evaluation that "
        "is not a live evaluation of this account"
    }
}
_DELETED: Responses = {
    409: {"description": "The group is deleted: it cannot be changed (x-should-retry: false)"}
}


def _tags(
    tags: Annotated[list[str] | None, Query(description="Groups with all of these tags")] = None,
    tags_brackets: Annotated[
        list[str] | None, Query(alias="tags[]", include_in_schema=False)
    ] = None,
) -> list[str]:
    return split_comma_list(tags, tags_brackets)


def _views(
    views: Annotated[
        list[str] | None, Query(description="Extra parts to show: `members`, `row_identifiers`")
    ] = None,
    views_brackets: Annotated[
        list[str] | None, Query(alias="views[]", include_in_schema=False)
    ] = None,
) -> list[str]:
    return split_comma_list(views, views_brackets)


Tags = Annotated[list[str], Depends(_tags)]
Views = Annotated[list[str], Depends(_views)]
IncludeDeleted = Annotated[bool, Query(description="Include deleted groups")]


@router.post("", response_model=EvaluationGroupOut, responses=_BAD_MEMBERS)
def create_evaluation_group(
    body: GroupCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Create a group of existing evaluations; it answers with its members."""
    view = evaluation_group_service.create(session, principal, body=body)
    return JSONBody(group_json(view))


@router.get(
    "",
    response_model=EvaluationGroupList,
    responses={400: {"description": "An unknown pagination cursor"}},
)
def list_evaluation_groups(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    tags: Tags,
    views: Views,
    name: Annotated[
        str | None, Query(description="Groups whose name contains this (case-insensitive)")
    ] = None,
    evaluation_id: Annotated[
        str | None, Query(description="Groups that have this evaluation as a live member")
    ] = None,
    include_deleted: IncludeDeleted = False,
) -> JSONBody:
    """List groups, newest first; every filter must hold; `sort_by=name` or `updated_at`."""
    page, groups = evaluation_group_service.list(
        session,
        principal,
        params=params,
        name=name,
        tags=tags,
        evaluation_id=evaluation_id,
        include_deleted=include_deleted,
        views=views,
    )
    return JSONBody(page.envelope([group_json(view) for view in groups]))


@router.get("/{group_id}", response_model=EvaluationGroupOut, responses=_NOT_FOUND)
def get_evaluation_group(
    group_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    views: Views,
    include_deleted: IncludeDeleted = False,
) -> JSONBody:
    """Retrieve a group with its members; `views=row_identifiers` adds its row identifiers."""
    view = evaluation_group_service.get(
        session, principal, group_id, include_deleted=include_deleted, views=views
    )
    return JSONBody(group_json(view))


@router.patch(
    "/{group_id}",
    response_model=EvaluationGroupOut,
    responses={
        400: {"description": "The body changes nothing"},
        **_NOT_FOUND,
        **_DELETED,
    },
)
def update_evaluation_group(
    group_id: str, body: GroupUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Change the fields sent; `metadata` merges, `row_identifiers` is replaced whole."""
    view = evaluation_group_service.update(session, principal, group_id, body=body)
    return JSONBody(group_json(view))


@router.put(
    "/{group_id}",
    response_model=EvaluationGroupOut,
    responses={**_BAD_MEMBERS, **_NOT_FOUND, **_DELETED},
)
def replace_evaluation_group(
    group_id: str, body: GroupReplace, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Replace every attribute (omitted ones are cleared) and, with `evaluation_ids`, the members."""
    view = evaluation_group_service.replace(session, principal, group_id, body=body)
    return JSONBody(group_json(view))


@router.delete(
    "/{group_id}", response_model=EvaluationGroupOut, responses={**_NOT_FOUND, **_DELETED}
)
def archive_evaluation_group(
    group_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Delete a group (soft, with its members and row identifiers); returns it."""
    return JSONBody(group_json(evaluation_group_service.archive(session, principal, group_id)))


@router.get("/{group_id}/schema", response_model=EvaluationGroupSchemaOut, responses=_NOT_FOUND)
def get_evaluation_group_schema(
    group_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    include_archived: Annotated[
        bool, Query(description="Include members whose evaluation is archived")
    ] = False,
) -> JSONBody:
    """The schema of each live member's evaluation, as `GET /v5/evaluations/{id}/schema` gives it."""
    schemas = evaluation_group_service.schema(
        session, principal, group_id, include_archived=include_archived
    )
    return JSONBody(group_schema_json(group_id, schemas))
