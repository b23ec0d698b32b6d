"""The evaluation pages: `/evaluations`, `/evaluations/{id}` (with its fragments and export)
and `/evaluations/{id}/items/{item_id}`.

The evaluation page is one document, with parts that htmx loads on their own: the summary
cards (`/cards`, after the page, since a summary of a large run takes longest), the agreement
cards of an evaluation with contributor tasks (`/agreement/cards`, web/agreement/) and the
header's progress (`/progress`, polled every few seconds while the run is running; it stops polling
itself once the run is not). Filters, sort and paging swap only the results table
(`hx-select`), and push the new URL, so the address bar always holds the whole state.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from yardstick.agreement.answers import contributor_aliases
from yardstick.db.session import ReadSessionDep, SessionFactory
from yardstick.export.formats import content_disposition
from yardstick.export.service import export_service
from yardstick.kit.query import split_comma_list
from yardstick.web.auth import SignedIn
from yardstick.web.evaluation.query import Order, table_query
from yardstick.web.evaluation.service import TRACE_SPANS
from yardstick.web.evaluation.service import evaluation_page_service as pages
from yardstick.web.pages import PageRoute, is_htmx, render

router = APIRouter(prefix="/evaluations", route_class=PageRoute, include_in_schema=False)

STATUSES = ("completed", "errored", "pending", "skipped", "prefilled")
Limit = Annotated[int, Query(ge=1, le=200, description="Rows a page")]
Repeated = Annotated[list[str] | None, Query()]


def _any_of(given: list[str] | None) -> tuple[list[str], list[str]]:
    """The tags asked for (the box's comma list) and the tags to match: people type "a, b", so
    each tag is also looked for without its spaces; as typed too, for a tag that has them, and
    each value unsplit, for a tag holding a comma (their chips' links). An empty box is no
    tag (the search form and the pager always send `tag=`): as one, it matched nothing."""
    tags = split_comma_list(given)
    stripped = (tag.strip() for tag in tags)
    unsplit = (value for value in given or [] if value.strip())
    return tags, list(dict.fromkeys([*tags, *(tag for tag in stripped if tag), *unsplit]))


@router.get("")
def evaluation_list(
    request: Request,
    web: SignedIn,
    session: ReadSessionDep,
    name: str = "",
    tag: Repeated = None,
    after: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> Response:
    tags, matched = _any_of(tag)
    found = pages.evaluations(
        session, web.principal, name=name, tags=matched, after=after, limit=limit
    )
    return render(
        request,
        "evaluations/list.html",
        {"page": found, "name": name, "tag": ",".join(tags), "limit": limit, "after": after},
    )


@router.get("/{evaluation_id}")
def evaluation_page(
    request: Request,
    evaluation_id: str,
    web: SignedIn,
    session: ReadSessionDep,
    task_status: Repeated = None,
    error_type: Repeated = None,
    score_alias: str = "",
    score_min: str = "",
    score_max: str = "",
    sort: str = "",
    order: Order = "asc",
    after: str = "",
    limit: Limit = 50,
) -> Response:
    evaluation = pages.get(session, web.principal, evaluation_id)
    query = table_query(
        evaluation_id=evaluation.id,
        aliases=pages.aliases(evaluation),
        task_status=task_status or [],
        error_type=error_type or [],
        score_alias=score_alias,
        score_min=score_min,
        score_max=score_max,
        sort=sort,
        order=order,
        after=after,
        limit=limit,
    )
    table = pages.table(session, evaluation, query)
    context = {
        "evaluation": evaluation,
        "query": query,
        "table": table,
        "base": f"/evaluations/{evaluation.id}",
        "statuses": STATUSES,
    }
    if is_htmx(request) and request.headers.get("hx-target") == "results":
        return render(request, "evaluations/_results.html", context)
    context["header"] = pages.header(session, evaluation)
    context["contributors"] = contributor_aliases(evaluation)  # the agreement cards' aliases
    return render(request, "evaluations/detail.html", context)


@router.get("/{evaluation_id}/progress")
def evaluation_progress(
    request: Request, evaluation_id: str, web: SignedIn, session: ReadSessionDep
) -> Response:
    evaluation = pages.get(session, web.principal, evaluation_id)
    header = pages.header(session, evaluation)
    headers = {}
    if header.progress is None and request.headers.get("hx-request") == "true":
        headers["hx-trigger"] = "evaluation-finished"  # the cards reload with the final figures
    return render(request, "evaluations/_header.html", {"header": header}, headers=headers)


@router.get("/{evaluation_id}/cards")
def evaluation_cards(
    request: Request, evaluation_id: str, web: SignedIn, session: ReadSessionDep
) -> Response:
    evaluation = pages.get(session, web.principal, evaluation_id)
    cards = pages.cards(session, evaluation)
    return render(
        request,
        "evaluations/_cards.html",
        {"evaluation": evaluation, "cards": cards, "base": f"/evaluations/{evaluation.id}"},
    )


@router.get("/{evaluation_id}/export")
def evaluation_export(
    request: Request,
    evaluation_id: str,
    web: SignedIn,
    session: ReadSessionDep,
    file_format: Annotated[Literal["csv", "jsonl"], Query(alias="format")] = "csv",
    task_status: Repeated = None,
    error_type: Repeated = None,
    score_alias: str = "",
    score_min: str = "",
    score_max: str = "",
) -> Response:
    """The items the table's filters select (in row order), as the API's export renders them."""
    evaluation = pages.get(session, web.principal, evaluation_id)
    query = table_query(
        evaluation_id=evaluation.id,
        aliases=pages.aliases(evaluation),
        task_status=task_status or [],
        error_type=error_type or [],
        score_alias=score_alias,
        score_min=score_min,
        score_max=score_max,
        sort="",
        order="asc",
        after="",
        limit=1,
    )
    sessions: SessionFactory = request.app.state.sessions
    export = export_service.export(
        session,
        web.principal,
        evaluation.id,
        sessions=sessions,
        file_format=file_format,
        include_archived=False,
        where=pages.conditions(query),
    )
    suffix = "-filtered" if query.filtered else ""
    filename = f"evaluation-{evaluation.id}{suffix}.{file_format}"
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"content-disposition": content_disposition(filename)},
    )


@router.get("/{evaluation_id}/items/{item_id}")
def item_page(
    request: Request, evaluation_id: str, item_id: str, web: SignedIn, session: ReadSessionDep
) -> Response:
    found = pages.item(session, web.principal, evaluation_id, item_id)
    return render(request, "evaluations/item.html", {"page": found, "trace_spans": TRACE_SPANS})
