"""`GET /v5/evaluations/{id}/taxonomy`: the taxonomy document given at create, verbatim."""

from typing import Any

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import AppError
from yardstick.evaluation.service import evaluation_service


class TaxonomyNotFound(AppError):
    status_code = 404

    def __init__(self, evaluation_id: str) -> None:
        super().__init__(f"evaluation {evaluation_id!r} has no taxonomy")


class EvaluationTaxonomyService:
    def get(
        self, session: Session, principal: Principal, evaluation_id: str, *, include_archived: bool
    ) -> dict[str, Any]:
        evaluation = evaluation_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
        if evaluation.taxonomy is None:
            raise TaxonomyNotFound(evaluation_id)
        return evaluation.taxonomy


evaluation_taxonomy_service = EvaluationTaxonomyService()
