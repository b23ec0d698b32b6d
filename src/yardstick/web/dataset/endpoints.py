"""`/datasets` (newest first, search by name, keyset pages) and `/datasets/{id}`: one version's
items, paged on the server, and the diff of two versions.

`/datasets/{id}` takes `version` (default: the current one) for its items, or `diff=V1..V2`
for what changed from V1 to V2 (`kind` keeps only `added`, `changed` or `removed` items); `after`
is the next page's cursor of whichever table is shown, `limit` its rows. The two selects of the
diff form send `from` and `to`, which answer with a redirect to the `diff=` URL (older version
first, whichever select held it), so a diff has one address; one version picked twice is the
page again with the form saying so. A bad value is a 422 page naming the parameter; an unknown dataset, or another
account's, the 404 page.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from yardstick.db.session import ReadSessionDep
from yardstick.errors import NotFound
from yardstick.web.auth import SignedIn
from yardstick.web.dataset.service import dataset_page_service as pages
from yardstick.web.dataset.service import parse_diff
from yardstick.web.pages import PageRoute, render

router = APIRouter(prefix="/datasets", route_class=PageRoute, include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=200, description="Rows a page")]
MAX_VERSIONS_LISTED = 1000  # the version selects list the newest ones; `version=` takes any


@router.get("")
def dataset_list(
    request: Request,
    web: SignedIn,
    session: ReadSessionDep,
    name: str = "",
    after: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> Response:
    found = pages.datasets(session, web.principal, name=name, after=after, limit=limit)
    return render(
        request,
        "datasets/list.html",
        {"page": found, "name": name, "after": after, "limit": limit},
    )


@router.get("/{dataset_id}")
def dataset_page(
    request: Request,
    dataset_id: str,
    web: SignedIn,
    session: ReadSessionDep,
    version: Annotated[int | None, Query(ge=1)] = None,
    diff: str = "",
    diff_from: Annotated[int | None, Query(alias="from", ge=1)] = None,
    diff_to: Annotated[int | None, Query(alias="to", ge=1)] = None,
    kind: Literal["", "added", "changed", "removed"] = "",
    after: str = "",
    limit: Limit = 50,
) -> Response:
    dataset = pages.get(session, web.principal, dataset_id)
    picked = False  # one version in both selects
    if diff_from is not None and diff_to is not None and not diff:
        picked = diff_from == diff_to
        if not picked:  # the selects in either order: a diff reads from older to newer
            old, new = sorted((diff_from, diff_to))
            return RedirectResponse(f"/datasets/{dataset.id}?diff={old}..{new}", status_code=303)
    current = dataset.current_version_num
    context: dict[str, Any] = {
        "dataset": dataset,
        "versions": list(range(current, max(0, current - MAX_VERSIONS_LISTED), -1)),
        "evaluations": pages.evaluations(session, web.principal, dataset),
        "limit": limit,
        "after": after,
        "diff": None,
        "items": None,
        # One version picked twice: the page again, the form saying why nothing is compared.
        "diff_problem": "Pick two different versions to diff." if picked else None,
    }
    if diff:
        old, new = parse_diff(diff, current)
        context["diff"] = pages.diff(
            session,
            web.principal,
            dataset,
            old=old,
            new=new,
            kind=kind or None,
            after=after,
            limit=limit,
        )
    else:
        shown = pages.version(dataset, version)
        context["items"] = pages.items(
            session, web.principal, dataset, version=shown, after=after, limit=limit
        )
    return render(request, "datasets/detail.html", context, status_code=422 if picked else 200)


@router.get("/{dataset_id}/{rest:path}", name="web_unknown_dataset_page")
async def unknown_page(dataset_id: str, rest: str) -> Response:
    """A path under `/datasets/{id}` that no page serves."""
    raise NotFound("page", f"/datasets/{dataset_id}/{rest}")
