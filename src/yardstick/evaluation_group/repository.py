"""The SQL of evaluation groups: groups, their members and row identifiers.

What a group shows follows one rule: a live group shows its live members and row
identifiers; a deleted one shows those deleted with it, stamped with its own `deleted_at`.
"""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    Text,
    and_,
    distinct,
    exists,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.orm import Session

from yardstick.ids import new_ids
from yardstick.kit.filters import name_contains
from yardstick.kit.repository import AccountRepository
from yardstick.models import (
    Evaluation,
    EvaluationGroup,
    EvaluationGroupMember,
    EvaluationGroupRowIdentifier,
)

G, M, R = EvaluationGroup, EvaluationGroupMember, EvaluationGroupRowIdentifier


@dataclass(frozen=True)
class MemberRow:
    """A member with its evaluation's name, tags and creation time (None if unreadable)."""

    member: EvaluationGroupMember
    evaluation_name: str | None
    evaluation_tags: list[str] | None
    evaluation_created_at: datetime | None


def tags_all(
    column: SQLColumnExpression[Any], tags: Collection[str], dialect: str
) -> ColumnElement[bool]:
    """The row's JSON list of tags holds every one of `tags`."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).has_all(array(list(tags), type_=Text))  # type: ignore[no-any-return]
    values = func.json_each(column).table_valued("value")
    held = (
        select(func.count(distinct(values.c.value)))
        .select_from(values)
        .where(values.c.value.in_(list(tags)))
        .scalar_subquery()
    )
    return held == len(set(tags))


def _shown_with(deleted_at: SQLColumnExpression[datetime | None]) -> ColumnElement[bool]:
    """A member or row identifier the group shows (see the module's docstring)."""
    return or_(deleted_at.is_(None), deleted_at == G.deleted_at)


class EvaluationGroupRepository(AccountRepository[EvaluationGroup]):
    def list_stmt(
        self,
        session: Session,
        *,
        account_id: str,
        name: str | None,
        tags: Sequence[str],
        evaluation_id: str | None,
        include_deleted: bool,
    ) -> Select[Any]:
        stmt = select(G).where(G.account_id == account_id)
        if not include_deleted:
            stmt = stmt.where(G.deleted_at.is_(None))
        if name:
            stmt = stmt.where(name_contains(G.name, name))
        if tags:
            stmt = stmt.where(tags_all(G.tags, tags, session.get_bind().dialect.name))
        if evaluation_id is not None:
            stmt = stmt.where(
                exists().where(
                    M.evaluation_group_id == G.id,
                    M.evaluation_id == evaluation_id,
                    M.deleted_at.is_(None),
                )
            )
        return stmt

    def members_of(
        self, session: Session, groups: Sequence[EvaluationGroup]
    ) -> dict[str, list[MemberRow]]:
        """The members each group shows, in the order they joined, for a page in one query."""
        out: dict[str, list[MemberRow]] = defaultdict(list)
        if not groups:
            return out
        stmt = (
            select(M, Evaluation.name, Evaluation.tags, Evaluation.created_at)
            .join(G, G.id == M.evaluation_group_id)
            # Within the group's account only: another account's evaluation is unreadable.
            .outerjoin(
                Evaluation,
                and_(Evaluation.id == M.evaluation_id, Evaluation.account_id == G.account_id),
            )
            .where(M.evaluation_group_id.in_([g.id for g in groups]), _shown_with(M.deleted_at))
            .order_by(M.evaluation_group_id, M.id)
        )
        for member, name, tags, created_at in session.execute(stmt):
            out[member.evaluation_group_id].append(MemberRow(member, name, tags, created_at))
        return out

    def row_identifiers_of(
        self, session: Session, groups: Sequence[EvaluationGroup]
    ) -> dict[str, list[EvaluationGroupRowIdentifier]]:
        """The row identifiers each group shows, by evaluation id, for a page in one query."""
        out: dict[str, list[EvaluationGroupRowIdentifier]] = defaultdict(list)
        if not groups:
            return out
        stmt = (
            select(R)
            .join(G, G.id == R.evaluation_group_id)
            .where(R.evaluation_group_id.in_([g.id for g in groups]), _shown_with(R.deleted_at))
            .order_by(R.evaluation_group_id, R.evaluation_id)
        )
        for row in session.scalars(stmt):
            out[row.evaluation_group_id].append(row)
        return out

    def row_identifier_columns(self, session: Session, group_id: str) -> dict[str, str]:
        """The group's live row identifiers: member evaluation id -> its identifier column."""
        stmt = select(R.evaluation_id, R.column_name).where(
            R.evaluation_group_id == group_id, R.deleted_at.is_(None)
        )
        return {evaluation_id: column for evaluation_id, column in session.execute(stmt)}

    def evaluations_archived_at(
        self, session: Session, *, account_id: str, evaluation_ids: Sequence[str]
    ) -> dict[str, datetime | None]:
        """`archived_at` of each of these evaluations the account has.

        The rows are share-locked (PostgreSQL; SQLite writers are serialised anyway) until the
        group's members are written: an archive of one of them waits, then ends the membership.
        """
        stmt = (
            select(Evaluation.id, Evaluation.archived_at)
            .where(Evaluation.account_id == account_id, Evaluation.id.in_(evaluation_ids))
            .with_for_update(read=True)
        )
        return {evaluation_id: archived_at for evaluation_id, archived_at in session.execute(stmt)}

    def live_member_evaluations(
        self, session: Session, group_id: str, *, include_archived: bool = True
    ) -> list[str]:
        """The evaluation ids of the group's live members, in the order they joined; archived
        evaluations only with `include_archived` (archiving one ends its memberships, so
        only a read racing an archive can meet one)."""
        stmt = (
            select(M.evaluation_id)
            .join(Evaluation, Evaluation.id == M.evaluation_id)
            .where(M.evaluation_group_id == group_id, M.deleted_at.is_(None))
            .order_by(M.id)
        )
        if not include_archived:
            stmt = stmt.where(Evaluation.archived_at.is_(None))
        return list(session.scalars(stmt))

    def add_members(
        self, session: Session, *, group_id: str, evaluation_ids: Sequence[str], at: datetime
    ) -> None:
        # Ids minted together increase, so members list in the order they were given.
        ids = new_ids(len(evaluation_ids))
        session.add_all(
            M(
                id=member_id,
                evaluation_group_id=group_id,
                evaluation_id=evaluation_id,
                created_at=at,
            )
            for member_id, evaluation_id in zip(ids, evaluation_ids, strict=True)
        )

    def end_members(
        self, session: Session, *, group_id: str, evaluation_ids: Collection[str], at: datetime
    ) -> None:
        """Soft-delete these live members of the group, and their row identifiers."""
        if not evaluation_ids:
            return
        for model in (M, R):
            session.execute(
                update(model)
                .where(
                    model.evaluation_group_id == group_id,
                    model.evaluation_id.in_(list(evaluation_ids)),
                    model.deleted_at.is_(None),
                )
                .values(deleted_at=at)
            )

    def end_group(self, session: Session, *, group_id: str, at: datetime) -> None:
        """Soft-delete every live member and row identifier of the group, at its `deleted_at`."""
        for model in (M, R):
            session.execute(
                update(model)
                .where(model.evaluation_group_id == group_id, model.deleted_at.is_(None))
                .values(deleted_at=at)
            )

    def end_memberships(self, session: Session, *, evaluation_id: str, at: datetime) -> None:
        """An archived evaluation leaves every group it is a live member of."""
        group_ids = list(
            session.scalars(
                select(M.evaluation_group_id).where(
                    M.evaluation_id == evaluation_id, M.deleted_at.is_(None)
                )
            )
        )
        for group_id in group_ids:
            self.end_members(session, group_id=group_id, evaluation_ids=[evaluation_id], at=at)

    def set_row_identifiers(
        self, session: Session, *, group_id: str, wanted: Mapping[str, str], at: datetime
    ) -> None:
        """Make the group's live row identifiers exactly `wanted` (evaluation id → column):
        entries that stay the same keep their row, the others are soft-deleted or added."""
        live = {
            row.evaluation_id: row
            for row in session.scalars(
                select(R).where(R.evaluation_group_id == group_id, R.deleted_at.is_(None))
            )
        }
        for evaluation_id, row in live.items():
            if wanted.get(evaluation_id) != row.column_name:
                row.deleted_at = at
        added = [
            (evaluation_id, column)
            for evaluation_id, column in wanted.items()
            if evaluation_id not in live or live[evaluation_id].column_name != column
        ]
        ids = new_ids(len(added))
        session.add_all(
            R(
                id=row_id,
                evaluation_group_id=group_id,
                evaluation_id=evaluation_id,
                column_name=column,
                created_at=at,
            )
            for row_id, (evaluation_id, column) in zip(ids, added, strict=True)
        )


evaluation_group_repository = EvaluationGroupRepository(EvaluationGroup, "evaluation group")
