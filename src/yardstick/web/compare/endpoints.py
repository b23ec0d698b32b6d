"""`/compare?baseline=A&candidate=B`: two evaluations compared, alias by alias, and the items
that changed most, side by side.

Everything is in the URL: `baseline`, `candidate`, then the items table's `alias`, `changes`
(`regressed` or `improved`), `output` (the alias whose texts are diffed) and `page`. Until both
ids are given the page is the form that picks two evaluations, with the one given filled in (the
evaluation page links here with its own id as the baseline). A malformed or repeated id is a 422
page naming the parameter (with the form, to fix it); an unknown evaluation, or another
account's, the 404 page.

The comparison itself is computed before the page answers when it is kept or small; else the
page answers at once with a placeholder that loads `/compare/result` (same parameters), the
comparison's part of the page, so the first comparison of two large runs shows what it is doing.
A problem found only once the comparison is known (an alias it does not have) is shown in that
part, with the form above it.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from yardstick.db.session import ReadSessionDep
from yardstick.errors import Unprocessable
from yardstick.models import Evaluation
from yardstick.web.auth import SignedIn
from yardstick.web.compare.service import Changes, ComparisonPage, Pending, compare_page_service
from yardstick.web.pages import PageRoute, problems, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass
class CompareQuery:
    """The page's parameters (and its comparison part's: the same)."""

    baseline: str = ""
    candidate: str = ""
    alias: str = ""
    changes: Changes = "regressed"
    output: str = ""
    page: Annotated[int, Query(ge=1, le=1000)] = 1

    def __post_init__(self) -> None:
        self.baseline, self.candidate = self.baseline.strip(), self.candidate.strip()


CompareQueryDep = Annotated[CompareQuery, Depends()]


def _repeated(request: Request) -> list[str]:
    """The ids given more than once: the query kept the last, and compared it silently."""
    params = request.query_params
    return [name for name in ("baseline", "candidate") if len(params.getlist(name)) > 1]


def _check_once(request: Request) -> None:
    repeated = _repeated(request)
    if repeated:
        raise Unprocessable(["query", repeated[0]], "is given more than once: name one evaluation")


def _result(
    web: SignedIn,
    session: ReadSessionDep,
    query: CompareQuery,
    pair: tuple[Evaluation, Evaluation],
    *,
    compute_large: bool,
) -> ComparisonPage | None:
    return compare_page_service.page(
        session,
        web.principal,
        *pair,
        alias=query.alias,
        changes=query.changes,
        output=query.output,
        page=query.page,
        compute_large=compute_large,
    )


@router.get("/compare")
def compare_page(
    request: Request, web: SignedIn, session: ReadSessionDep, query: CompareQueryDep
) -> Response:
    recent = compare_page_service.recent(session, web.principal)
    context: dict[str, Any] = {
        "baseline_id": query.baseline,
        "candidate_id": query.candidate,
        "recent": recent,
        "example": compare_page_service.example(session, recent),
        "result": None,
        "pending": None,
        "problems": [],
    }
    if not _repeated(request) and (not query.baseline or not query.candidate):
        return render(request, "compare/page.html", context)
    try:
        _check_once(request)
        pair = compare_page_service.evaluations(
            session, web.principal, query.baseline, query.candidate
        )
        context["result"] = _result(web, session, query, pair, compute_large=False)
        if context["result"] is None:  # large, not kept: the page loads it after answering
            context["pending"] = Pending(*pair, request.url.query)
    except Unprocessable as exc:
        # The form stays, with what is wrong named above it.
        context["problems"] = problems(exc)
        return render(request, "compare/page.html", context, status_code=422)
    return render(request, "compare/page.html", context)


@router.get("/compare/result")
def compare_result(
    request: Request, web: SignedIn, session: ReadSessionDep, query: CompareQueryDep
) -> Response:
    """The comparison's part of the page, computed (and kept) now. Its problems are shown in
    it with a 200: the page around it answered already."""
    context: dict[str, Any] = {"result": None, "problems": []}
    try:
        _check_once(request)
        pair = compare_page_service.evaluations(
            session, web.principal, query.baseline, query.candidate
        )
        context["result"] = _result(web, session, query, pair, compute_large=True)
    except Unprocessable as exc:
        context["problems"] = problems(exc)
    return render(request, "compare/_result.html", context)
