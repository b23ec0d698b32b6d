"""`POST /v5/comparisons`: paired statistics between two evaluations (Yardstick's own route).

A read: nothing is stored, so the same request answers the same (the bootstrap is seeded).
Synchronous, so FastAPI runs it on a worker thread and the arithmetic never holds the loop.
"""

from typing import Any

from fastapi import APIRouter

from yardstick.auth.dependencies import PrincipalDep
from yardstick.compare.schemas import ComparisonOut, ComparisonRequest, GroupComparisonOut
from yardstick.db.session import ReadSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.responses import JSONBody

router = APIRouter(prefix="/v5/comparisons", tags=["comparisons"], route_class=OrjsonRoute)

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such evaluation or evaluation group in this account"},
}


@router.post("", response_model=ComparisonOut | GroupComparisonOut, responses=_ERRORS)
def compare_evaluations(
    body: ComparisonRequest, principal: PrincipalDep, session: ReadSessionDep
) -> JSONBody:
    """Compare a candidate evaluation with a baseline, alias by alias, over paired items: means,
    the mean paired difference with its confidence interval, an exact or rank test, Holm-adjusted
    p-values, a verdict, and the items that changed most. With `evaluation_group_id`, the group's
    first member is the baseline of each other member."""
    # Imported here: scipy.stats takes seconds to import, which only a comparison should pay,
    # not every start of the server.
    from yardstick.compare.service import comparison_service

    return JSONBody(comparison_service.compare(session, principal, body))
