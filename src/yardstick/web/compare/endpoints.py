"""`/compare?baseline=A&candidate=B`: two evaluations compared, alias by alias, and the items
that changed most, side by side.

Everything is in the URL: `baseline`, `candidate`, then the items table's `alias`, `changes`
(`regressed` or `improved`), `output` (the alias whose texts are diffed) and `page`. Until both
ids are given the page is the form that picks two evaluations, with the one given filled in (the
evaluation page links here with its own id as the baseline). A malformed or repeated id is a 422
page naming the parameter (with the form, to fix it); an unknown evaluation, or another
account's, the 404 page.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from yardstick.db.session import ReadSessionDep
from yardstick.errors import Unprocessable
from yardstick.web.auth import SignedIn
from yardstick.web.compare.service import Changes, compare_page_service
from yardstick.web.pages import PageRoute, problems, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/compare")
def compare_page(
    request: Request,
    web: SignedIn,
    session: ReadSessionDep,
    baseline: str = "",
    candidate: str = "",
    alias: str = "",
    changes: Changes = "regressed",
    output: str = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    baseline, candidate = baseline.strip(), candidate.strip()
    context: dict[str, Any] = {
        "baseline_id": baseline,
        "candidate_id": candidate,
        "recent": compare_page_service.recent(session, web.principal),
        "result": None,
        "problems": [],
    }
    if not baseline or not candidate:
        return render(request, "compare/page.html", context)
    try:
        context["result"] = compare_page_service.page(
            session,
            web.principal,
            baseline_id=baseline,
            candidate_id=candidate,
            alias=alias,
            changes=changes,
            output=output,
            page=page,
        )
    except Unprocessable as exc:
        # The form stays, with what is wrong named above it.
        context["problems"] = problems(exc)
        return render(request, "compare/page.html", context, status_code=422)
    return render(request, "compare/page.html", context)
