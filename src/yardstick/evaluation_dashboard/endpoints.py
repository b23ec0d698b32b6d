"""`/v5/evaluation-dashboards`: dashboards of an evaluation or a group, and their widgets (0.7.0)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.evaluation_dashboard.schemas import (
    DashboardCreate,
    DashboardUpdate,
    EvaluationDashboardList,
    EvaluationDashboardOut,
    WidgetCreate,
    WidgetUpdate,
    WidgetWithResultOut,
    dashboard_json,
    widget_with_result_json,
)
from yardstick.evaluation_dashboard.service import evaluation_dashboard_service as service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import split_comma_list, tags_filter, views_filter
from yardstick.kit.responses import JSONBody

router = APIRouter(
    prefix="/v5/evaluation-dashboards", tags=["evaluation dashboards"], route_class=OrjsonRoute
)

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {
    404: {"description": "No such dashboard in this account, or it is archived"}
}
_WIDGET_NOT_FOUND: Responses = {
    404: {"description": "No such live dashboard, or the widget is not in its widget_order"}
}


def _created_by_ids(
    created_by_ids: Annotated[
        list[str] | None, Query(description="Dashboards created by one of these users")
    ] = None,
    brackets: Annotated[
        list[str] | None, Query(alias="created_by_ids[]", include_in_schema=False)
    ] = None,
) -> list[str]:
    return split_comma_list(created_by_ids, brackets)


CreatedByIds = Annotated[list[str], Depends(_created_by_ids)]
Tags = Annotated[list[str], Depends(tags_filter)]
Views = Annotated[list[str], Depends(views_filter)]


@router.post(
    "",
    response_model=EvaluationDashboardOut,
    responses={404: {"description": "The evaluation, group or template does not exist"}},
)
def create_evaluation_dashboard(
    body: DashboardCreate, principal: PrincipalDep, session: WriteSessionDep, read: ReadSessionDep
) -> JSONBody:
    """Create a dashboard of one evaluation or group; a template's widgets are computed for it."""
    view = service.create(session, principal, read=read, body=body)
    return JSONBody(dashboard_json(view))


@router.get(
    "",
    response_model=EvaluationDashboardList,
    responses={400: {"description": "An unknown pagination cursor"}},
)
def list_evaluation_dashboards(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    created_by_ids: CreatedByIds,
    tags: Tags,
    evaluation_id: Annotated[str | None, Query(description="Dashboards of this evaluation")] = None,
    evaluation_group_id: Annotated[
        str | None, Query(description="Dashboards of this group (not with evaluation_id)")
    ] = None,
    include_archived: Annotated[bool, Query(description="Include archived dashboards")] = False,
    search: Annotated[
        str | None, Query(description="Name or a tag contains this (case-insensitive)")
    ] = None,
) -> JSONBody:
    """List dashboards, newest first; every filter must hold; tags match case-insensitively."""
    page, views = service.list(
        session,
        principal,
        params=params,
        created_by_ids=created_by_ids,
        evaluation_id=evaluation_id,
        evaluation_group_id=evaluation_group_id,
        include_archived=include_archived,
        search=search,
        tags=tags,
    )
    return JSONBody(page.envelope([dashboard_json(view) for view in views]))


@router.get("/{dashboard_id}", response_model=EvaluationDashboardOut, responses=_NOT_FOUND)
def get_evaluation_dashboard(
    dashboard_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    write: WriteSessionDep,
    views: Views,
    include_archived: Annotated[bool, Query(description="Find an archived dashboard too")] = False,
) -> JSONBody:
    """Retrieve a dashboard; `views=widgets,widget_results` add its widgets and their results."""
    view = service.get(
        session,
        principal,
        dashboard_id,
        write=write,
        include_archived=include_archived,
        views=views,
    )
    return JSONBody(dashboard_json(view))


@router.patch(
    "/{dashboard_id}",
    response_model=EvaluationDashboardOut,
    responses={400: {"description": "The body changes nothing"}, **_NOT_FOUND},
)
def update_evaluation_dashboard(
    dashboard_id: str, body: DashboardUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Change the name, description, tags or widget order; the target is fixed."""
    view = service.update(session, principal, dashboard_id, body=body)
    return JSONBody(dashboard_json(view))


@router.delete("/{dashboard_id}", response_model=EvaluationDashboardOut, responses=_NOT_FOUND)
def archive_evaluation_dashboard(
    dashboard_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Archive a dashboard (soft; its widgets stay); returns it."""
    return JSONBody(dashboard_json(service.archive(session, principal, dashboard_id)))


@router.post("/{dashboard_id}/widgets", response_model=WidgetWithResultOut, responses=_NOT_FOUND)
def create_widget(
    dashboard_id: str,
    body: WidgetCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    read: ReadSessionDep,
) -> JSONBody:
    """Add a widget at the end of the dashboard, with its result computed."""
    view = service.create_widget(session, principal, dashboard_id, read=read, body=body)
    return JSONBody(widget_with_result_json(view.widget, view.result))


@router.patch(
    "/{dashboard_id}/widgets/{widget_id}",
    response_model=WidgetWithResultOut,
    responses=_WIDGET_NOT_FOUND,
)
def update_widget(
    dashboard_id: str,
    widget_id: str,
    body: WidgetUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    read: ReadSessionDep,
) -> JSONBody:
    """Change a widget (a copy of it, when other dashboards show it too)."""
    view = service.update_widget(session, principal, dashboard_id, widget_id, read=read, body=body)
    return JSONBody(widget_with_result_json(view.widget, view.result))


@router.delete(
    "/{dashboard_id}/widgets/{widget_id}",
    status_code=204,
    response_class=Response,
    responses=_WIDGET_NOT_FOUND,
)
def remove_widget(
    dashboard_id: str, widget_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> Response:
    """Take a widget out of the dashboard's order; the widget itself stays."""
    service.remove_widget(session, principal, dashboard_id, widget_id)
    return Response(status_code=204)
