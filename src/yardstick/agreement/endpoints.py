"""`GET /v5/evaluations/{id}/agreement`: agreement between reviewers, or a judge alias against a
human alias (Yardstick's own).

A read: nothing is stored, and the bootstrap is seeded, so the same request answers the same.
Synchronous, so FastAPI runs it on a worker thread and the arithmetic never holds the loop.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from yardstick.agreement.schemas import AnyAgreementOut
from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep
from yardstick.errors import Unprocessable
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.responses import JSONBody

router = APIRouter(prefix="/v5/evaluations", tags=["evaluations"], route_class=OrjsonRoute)

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such evaluation in this account"},
}


@router.get("/{evaluation_id}/agreement", response_model=AnyAgreementOut, responses=_ERRORS)
def get_agreement(
    evaluation_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    human: Annotated[
        str | None, Query(min_length=1, max_length=256, description="The reference alias")
    ] = None,
    judge: Annotated[
        str | None, Query(min_length=1, max_length=256, description="The alias to check")
    ] = None,
    include_archived: Annotated[bool, Query(description="Include archived evaluations")] = False,
) -> JSONBody:
    """With `human` and `judge`: how well the judge alias agrees with the human alias over the
    items where both have a result (Cohen's kappa or Krippendorff's alpha by the values' kind,
    accuracy, the confusion matrix, the items where they disagree). With neither: per
    contributor alias, how well its reviewers agree with each other (Cohen's or Fleiss' kappa,
    Krippendorff's alpha, the items where they disagree). 95 % bootstrap intervals throughout."""
    # Imported here: numpy's arithmetic is for this route, not every start of the server.
    from yardstick.agreement.service import (
        agreement_json,
        agreement_service,
        reviewer_agreements_json,
    )

    if human is None and judge is None:
        found = agreement_service.reviewers(
            session, principal, evaluation_id, include_archived=include_archived
        )
        return JSONBody(reviewer_agreements_json(found))
    if human is None or judge is None:
        missing = "human" if human is None else "judge"
        raise Unprocessable(
            ["query", missing],
            "give both `human` and `judge` (a judge against a human), or neither (agreement "
            "between the reviewers of each contributor alias)",
            "missing",
        )
    pair = agreement_service.get(
        session,
        principal,
        evaluation_id,
        human=human,
        judge=judge,
        include_archived=include_archived,
    )
    return JSONBody(agreement_json(pair))
