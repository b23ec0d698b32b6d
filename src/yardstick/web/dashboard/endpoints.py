"""`/dashboards` (newest first; `search` in the name or a tag, `evaluation_id` for one
evaluation's; keyset pages) and `/dashboards/{id}`: every widget of an SGP evaluation
dashboard, drawn on the server. A table widget pages on the server: `table=<widget id>` and
`page` say which of its pages to show. An unknown dashboard, or another account's, is the 404
page, as the API answers.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.errors import NotFound
from yardstick.web.auth import SignedIn
from yardstick.web.dashboard.service import dashboard_page_service as pages
from yardstick.web.pages import PageRoute, render

router = APIRouter(prefix="/dashboards", route_class=PageRoute, include_in_schema=False)


@router.get("")
def dashboard_list(
    request: Request,
    web: SignedIn,
    session: ReadSessionDep,
    search: str = "",
    evaluation_id: str = "",
    after: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> Response:
    found = pages.dashboards(
        session,
        web.principal,
        search=search,
        evaluation_id=evaluation_id,
        after=after,
        limit=limit,
    )
    return render(
        request,
        "dashboards/list.html",
        {
            "page": found,
            "search": search,
            "evaluation_id": evaluation_id,
            "after": after,
            "limit": limit,
        },
    )


@router.get("/{dashboard_id}")
def dashboard_page(
    request: Request,
    dashboard_id: str,
    web: SignedIn,
    session: ReadSessionDep,
    write: WriteSessionDep,
    table: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    # Stale or missing results are computed (reading through `session`) and stored through
    # `write`, as GET /v5/evaluation-dashboards/{id}?views=widget_results does.
    found = pages.page(
        session, web.principal, dashboard_id, write=write, table=table, table_page=page
    )
    return render(request, "dashboards/detail.html", {"page": found})


@router.get("/{dashboard_id}/{rest:path}", name="web_unknown_dashboard_page")
async def unknown_page(dashboard_id: str, rest: str) -> Response:
    """A path under `/dashboards/{id}` that no page serves."""
    raise NotFound("page", f"/dashboards/{dashboard_id}/{rest}")
