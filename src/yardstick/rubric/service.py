"""Rules for rubrics: append-only versions, soft archive, and the snapshot a task pins.

- Created at version 1, with its criteria (each at version 1) when the body gives them.
- An update writes version N+1: the fields sent, the others carried over from N. So does a
  restore of an archived rubric; restoring a live one changes nothing and writes no version.
- Changing an archived rubric is a 409 (restore it first), and so is archiving it again.
  Archiving writes no version and leaves the criteria alone: an archived rubric is hidden
  from the list, still retrievable, and keeps working in the evaluations that pinned it, but
  no new task may name it.
- Every write locks the rubric's row (PostgreSQL; SQLite serialises writers anyway), so
  concurrent writes to one rubric get consecutive versions, never the same one.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import Conflict
from yardstick.ids import new_id, new_ids
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.patch import wants_restore
from yardstick.models import Rubric, RubricCriterionVersion, RubricVersion
from yardstick.rubric.repository import rubric_repository
from yardstick.rubric.schemas import DEFAULT_WEIGHT, CriterionCreate, RubricCreate, RubricUpdate
from yardstick.rubric.snapshot import CriterionSnapshot, RubricRefusal, RubricSnapshot

# `sort_by` values a rubric list accepts besides the default (creation order).
SORTABLE = {"title": Rubric.title, "name": Rubric.title, "updated_at": Rubric.updated_at}


@dataclass(frozen=True)
class RubricView:
    """A rubric with its current criteria (each at its latest version)."""

    rubric: Rubric
    criteria: list[RubricCriterionVersion]


def new_criteria(
    rubric: Rubric, bodies: Sequence[CriterionCreate], principal: Principal
) -> list[RubricCriterionVersion]:
    """Version 1 of each criterion, written at the rubric's current version."""
    now = utcnow()
    # Minted together, the ids increase in the order given, which is the criteria's order.
    return [
        RubricCriterionVersion(
            id=new_id(),
            criterion_id=criterion_id,
            rubric_id=rubric.id,
            version=1,
            rubric_version=rubric.version,
            title=body.title,
            annotations=body.annotations,
            weight=body.weight if body.weight is not None else DEFAULT_WEIGHT,
            created_by_user_id=principal.user_id,
            created_at=now,
        )
        for criterion_id, body in zip(new_ids(len(bodies)), bodies, strict=True)
    ]


class RubricService:
    def create(self, session: Session, principal: Principal, *, body: RubricCreate) -> RubricView:
        now = utcnow()
        rubric = Rubric(
            id=new_id(),
            account_id=principal.account_id,
            title=body.title,
            tags=body.tags,
            version=1,
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(rubric)
        session.flush()
        self._write_version(session, rubric, principal)
        criteria = new_criteria(rubric, body.criteria or [], principal)
        session.add_all(criteria)
        session.flush()
        return RubricView(rubric, criteria)

    def get(self, session: Session, principal: Principal, rubric_id: str) -> RubricView:
        """The rubric, archived or not, with its current criteria."""
        rubric = self.require(session, principal, rubric_id)
        return RubricView(rubric, rubric_repository.criteria_of(session, [rubric_id])[rubric_id])

    def require(
        self, session: Session, principal: Principal, rubric_id: str, *, for_update: bool = False
    ) -> Rubric:
        """Another account's rubric is as unknown as a missing one (404)."""
        return rubric_repository.require(
            session, account_id=principal.account_id, row_id=rubric_id, for_update=for_update
        )

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        title: str | None,
        tags: Sequence[str],
    ) -> tuple[Page, builtins.list[RubricView]]:
        page = paginate(
            session,
            rubric_repository.list_stmt(
                session, account_id=principal.account_id, title=title, tags=tags
            ),
            key=Rubric.id,
            params=params,
            cursor_exists=rubric_repository.cursor_check(session, principal.account_id),
            sortable=SORTABLE,
        )
        rubrics: builtins.list[Rubric] = [row[0] for row in page.rows]
        criteria = rubric_repository.criteria_of(session, [r.id for r in rubrics])
        return page, [RubricView(rubric, criteria[rubric.id]) for rubric in rubrics]

    def update(
        self, session: Session, principal: Principal, rubric_id: str, *, body: RubricUpdate
    ) -> RubricView:
        """A partial update of a live rubric, or a restore (`{"restore": true}`)."""
        rubric = self.require(session, principal, rubric_id, for_update=True)
        if wants_restore(body):
            if rubric.archived_at is not None:
                rubric.archived_at = None
                self._next_version(session, rubric, principal)
        elif rubric.archived_at is not None:
            raise Conflict(f"rubric {rubric_id!r} is archived: restore it before changing it")
        else:
            # `null` for either field means "leave as is", like a field not sent.
            if body.title is not None:
                rubric.title = body.title
            if body.tags is not None:
                rubric.tags = body.tags
            self._next_version(session, rubric, principal)
        session.flush()
        return self.get(session, principal, rubric_id)

    def archive(self, session: Session, principal: Principal, rubric_id: str) -> None:
        rubric = self.require(session, principal, rubric_id, for_update=True)
        if rubric.archived_at is not None:
            raise Conflict(f"rubric {rubric_id!r} is already archived")
        rubric.archived_at = rubric.updated_at = utcnow()
        session.flush()

    def snapshot(
        self, session: Session, principal: Principal, rubric_id: str, version: int | None
    ) -> RubricSnapshot | RubricRefusal:
        """The criteria a new task would pin: the rubric at `version` (the latest when None).

        Refused when the account has no such rubric, it is archived, it has no such version,
        or it has nothing to score with (no criteria, or weights that sum to 0)."""
        rubric = rubric_repository.get(session, account_id=principal.account_id, row_id=rubric_id)
        if rubric is None:
            return RubricRefusal("rubric_id", f"rubric {rubric_id!r} not found")
        if rubric.archived_at is not None:
            return RubricRefusal(
                "rubric_id", f"rubric {rubric_id!r} is archived: restore it to use it in a task"
            )
        if version is not None and not 1 <= version <= rubric.version:
            return RubricRefusal(
                "rubric_version",
                f"rubric {rubric_id!r} has no version {version} "
                f"(its versions are 1 to {rubric.version})",
            )
        pinned = version if version is not None else rubric.version
        rows = rubric_repository.criteria_of(session, [rubric_id], as_of=pinned)[rubric_id]
        field: Literal["rubric_id", "rubric_version"] = (
            "rubric_id" if version is None else "rubric_version"
        )
        if not rows:
            return RubricRefusal(
                field, f"rubric {rubric_id!r} has no criteria at version {pinned} to score with"
            )
        if sum(row.weight for row in rows) <= 0:
            return RubricRefusal(
                field,
                f"the weights of rubric {rubric_id!r}'s criteria at version {pinned} sum to 0, "
                "so no score can be computed",
            )
        criteria = tuple(
            CriterionSnapshot(row.criterion_id, row.version, row.title, row.annotations, row.weight)
            for row in rows
        )
        return RubricSnapshot(rubric_id, pinned, criteria)

    def _next_version(self, session: Session, rubric: Rubric, principal: Principal) -> None:
        rubric.version += 1
        rubric.updated_at = utcnow()
        self._write_version(session, rubric, principal)

    @staticmethod
    def _write_version(session: Session, rubric: Rubric, principal: Principal) -> None:
        """Record the rubric's current fields as its version `rubric.version`."""
        session.add(
            RubricVersion(
                id=new_id(),
                rubric_id=rubric.id,
                version=rubric.version,
                title=rubric.title,
                tags=list(rubric.tags),
                created_by_user_id=principal.user_id,
                created_at=rubric.updated_at,
            )
        )


rubric_service = RubricService()
