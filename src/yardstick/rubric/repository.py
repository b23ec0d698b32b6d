"""The SQL of rubrics: the live list, and criteria as they stand (now, or at a rubric version)."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from yardstick.errors import BadRequest
from yardstick.kit.filters import name_contains, tags_any
from yardstick.kit.pagination import Page, PageParams
from yardstick.kit.repository import AccountRepository
from yardstick.models import Rubric, RubricCriterionVersion

C = RubricCriterionVersion


class RubricRepository(AccountRepository[Rubric]):
    def list_stmt(
        self, session: Session, *, account_id: str, title: str | None, tags: Sequence[str]
    ) -> Select[Any]:
        """Live rubrics only: a list has no way to ask for archived ones."""
        stmt = select(Rubric).where(Rubric.account_id == account_id, Rubric.archived_at.is_(None))
        if title:
            stmt = stmt.where(name_contains(Rubric.title, title))
        if tags:
            stmt = stmt.where(tags_any(Rubric.tags, list(tags), session.get_bind().dialect.name))
        return stmt

    def criteria_of(
        self, session: Session, rubric_ids: Sequence[str], *, as_of: int | None = None
    ) -> dict[str, list[RubricCriterionVersion]]:
        """Each rubric's criteria, in the order they were created, each at its latest version
        (written while the rubric was at version `as_of` or earlier, when given): a page of
        rubrics in one query."""
        out: dict[str, list[RubricCriterionVersion]] = defaultdict(list)
        if not rubric_ids:
            return out
        latest = select(C.criterion_id, func.max(C.version).label("version")).where(
            C.rubric_id.in_(rubric_ids)
        )
        if as_of is not None:
            latest = latest.where(C.rubric_version <= as_of)
        newest = latest.group_by(C.criterion_id).subquery()
        stmt = (
            select(C)
            .join(
                newest,
                and_(C.criterion_id == newest.c.criterion_id, C.version == newest.c.version),
            )
            # Criterion ids are time-ordered: creation order.
            .order_by(C.rubric_id, C.criterion_id)
        )
        for row in session.scalars(stmt):
            out[row.rubric_id].append(row)
        return out

    def latest_criterion(
        self, session: Session, *, rubric_id: str, criterion_id: str
    ) -> RubricCriterionVersion | None:
        """The criterion's latest version, if it is a criterion of this rubric."""
        stmt = (
            select(C)
            .where(C.criterion_id == criterion_id, C.rubric_id == rubric_id)
            .order_by(C.version.desc())
            .limit(1)
        )
        return session.scalar(stmt)

    def count_criteria(self, session: Session, rubric_id: str) -> int:
        stmt = select(func.count(func.distinct(C.criterion_id))).where(C.rubric_id == rubric_id)
        return session.scalar(stmt) or 0

    def criterion_versions(
        self, session: Session, *, criterion_id: str, latest: int, params: PageParams
    ) -> Page:
        """A page of one criterion's versions; cursors are version numbers (every version of
        a criterion has the criterion's id, so an id cannot say where a page starts).

        `sort_by` does not apply: version order is creation order."""
        bounds = []
        ascending = params.sort_order == "asc"
        for cursor, after in ((params.starting_after, True), (params.ending_before, False)):
            if cursor is None:
                continue
            number = _version_cursor(cursor, latest)
            forward = after == ascending
            bounds.append(C.version > number if forward else C.version < number)
        backwards = params.ending_before is not None
        scan_ascending = ascending != backwards
        stmt = (
            select(C)
            .where(C.criterion_id == criterion_id, *bounds)
            .order_by(C.version.asc() if scan_ascending else C.version.desc())
            .limit(params.limit + 1)
        )
        rows = list(session.scalars(stmt))
        has_more = len(rows) > params.limit
        rows = rows[: params.limit]
        if backwards:
            rows.reverse()
        return Page(rows=rows, has_more=has_more, total=latest, limit=params.limit)


def _version_cursor(cursor: str, latest: int) -> int:
    """A cursor of the versions list: one of the criterion's version numbers, else a 400."""
    if cursor.isascii() and cursor.isdigit() and 1 <= int(cursor) <= latest:
        return int(cursor)
    raise BadRequest(
        f"unknown cursor {cursor!r}: the cursors of this list are version numbers, 1 to {latest}"
    )


rubric_repository = RubricRepository(Rubric, "rubric")
