"""Rules for a rubric's criteria: each versioned on its own, every version immutable.

A criterion is created at version 1; each update writes version N+1 with the fields sent and
the others carried over from N, under the same criterion id. The rubric's own version does not
move. A criterion is reached only through its rubric: one of another rubric is a 404, as is
one of another account's rubric. Criteria of an archived rubric cannot be added or changed
(409, restore it first); their versions can still be read.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import Conflict, NotFound, Unprocessable
from yardstick.ids import new_id
from yardstick.kit.pagination import Page, PageParams
from yardstick.models import Rubric, RubricCriterionVersion
from yardstick.rubric.repository import rubric_repository
from yardstick.rubric.schemas import MAX_CRITERIA, CriterionCreate, CriterionUpdate
from yardstick.rubric.service import new_criteria, rubric_service


class CriterionService:
    def create(
        self, session: Session, principal: Principal, rubric_id: str, *, body: CriterionCreate
    ) -> RubricCriterionVersion:
        rubric = self._changeable(session, principal, rubric_id, "adding criteria to it")
        if rubric_repository.count_criteria(session, rubric_id) >= MAX_CRITERIA:
            raise Unprocessable(
                ["path", "rubric_id"], f"a rubric holds at most {MAX_CRITERIA} criteria"
            )
        (criterion,) = new_criteria(rubric, [body], principal)
        session.add(criterion)
        session.flush()
        return criterion

    def update(
        self,
        session: Session,
        principal: Principal,
        rubric_id: str,
        criterion_id: str,
        *,
        body: CriterionUpdate,
    ) -> RubricCriterionVersion:
        rubric = self._changeable(session, principal, rubric_id, "changing its criteria")
        current = self._latest(session, rubric_id, criterion_id)
        sent = body.model_fields_set
        # `null` leaves the title and the weight as they are; it clears the annotations.
        title = body.title if body.title is not None else current.title
        weight = body.weight if body.weight is not None else current.weight
        annotations = body.annotations if "annotations" in sent else current.annotations
        version = RubricCriterionVersion(
            id=new_id(),
            criterion_id=criterion_id,
            rubric_id=rubric_id,
            version=current.version + 1,
            rubric_version=rubric.version,
            title=title,
            annotations=annotations,
            weight=weight,
            created_by_user_id=principal.user_id,
            created_at=utcnow(),
        )
        session.add(version)
        session.flush()
        return version

    def versions(
        self,
        session: Session,
        principal: Principal,
        rubric_id: str,
        criterion_id: str,
        *,
        params: PageParams,
    ) -> Page:
        """A page of the criterion's versions, newest first unless `sort_order=asc`."""
        rubric_service.require(session, principal, rubric_id)
        latest = self._latest(session, rubric_id, criterion_id)
        return rubric_repository.criterion_versions(
            session, criterion_id=criterion_id, latest=latest.version, params=params
        )

    @staticmethod
    def _changeable(session: Session, principal: Principal, rubric_id: str, doing: str) -> Rubric:
        """The rubric, locked until the transaction ends, if it is live (else a 409)."""
        rubric = rubric_service.require(session, principal, rubric_id, for_update=True)
        if rubric.archived_at is not None:
            raise Conflict(f"rubric {rubric_id!r} is archived: restore it before {doing}")
        return rubric

    @staticmethod
    def _latest(session: Session, rubric_id: str, criterion_id: str) -> RubricCriterionVersion:
        current = rubric_repository.latest_criterion(
            session, rubric_id=rubric_id, criterion_id=criterion_id
        )
        if current is None:
            raise NotFound(f"criterion of rubric {rubric_id!r}", criterion_id)
        return current


criterion_service = CriterionService()
