"""Rules for evaluation groups: membership checked against the account's evaluations,
PATCH (a partial update) versus PUT (a full replacement), soft deletes that cascade.

- Members: every evaluation id must be a live evaluation of the caller's account, given once;
  otherwise the whole request is a 400 naming the id, and nothing is written. Another
  account's evaluation is as unknown as a missing one. An archived evaluation is refused
  too: archiving an evaluation ends its memberships (evaluation service), so it could not
  stay a member.
- Row identifiers are kept only for members; entries for other evaluations are ignored.
- A write locks the group's row, so concurrent writes to one group apply one after the other.
- Deleting a group is a soft delete stamped on its live members and row identifiers too; a
  deleted group is a 404 to reads without `include_deleted`, and changing or deleting it
  again is a 409, as for every archived resource.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import BadRequest, Conflict, NotFound
from yardstick.evaluation.schema_view import EvaluationSchema, evaluation_schema_service
from yardstick.evaluation_group.repository import MemberRow, evaluation_group_repository
from yardstick.evaluation_group.schemas import (
    GroupCreate,
    GroupReplace,
    GroupUpdate,
    GroupView,
    RowIdentifiers,
)
from yardstick.ids import new_id
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.patch import merge_patch
from yardstick.models import EvaluationGroup, EvaluationGroupRowIdentifier

# `sort_by` values a group list accepts besides the default (creation order).
SORTABLE = {"name": EvaluationGroup.name, "updated_at": EvaluationGroup.updated_at}
MEMBERS, ROW_IDENTIFIERS = "members", "row_identifiers"
_UPDATABLE = ("name", "description", "tags", "metadata", "row_identifiers")


def _checked_ids(session: Session, principal: Principal, evaluation_ids: Sequence[str]) -> None:
    """A 400 naming the first evaluation id that cannot be a member."""
    if not evaluation_ids:
        raise BadRequest("evaluation_ids: must hold at least one evaluation id")
    seen: set[str] = set()
    for index, evaluation_id in enumerate(evaluation_ids):
        if evaluation_id in seen:
            raise BadRequest(f"evaluation_ids[{index}]: {evaluation_id!r} is listed twice")
        seen.add(evaluation_id)
    archived_at = evaluation_group_repository.evaluations_archived_at(
        session, account_id=principal.account_id, evaluation_ids=evaluation_ids
    )
    for index, evaluation_id in enumerate(evaluation_ids):
        if evaluation_id not in archived_at:
            raise BadRequest(
                f"evaluation_ids[{index}]: evaluation {evaluation_id!r} not found in this account"
            )
        if archived_at[evaluation_id] is not None:
            raise BadRequest(
                f"evaluation_ids[{index}]: evaluation {evaluation_id!r} is archived "
                "(restore it to add it to a group)"
            )


def _members_only(row_identifiers: RowIdentifiers | None, members: Sequence[str]) -> RowIdentifiers:
    """The entries for members; those for other evaluations are ignored, not refused."""
    kept = set(members)
    return {key: column for key, column in (row_identifiers or {}).items() if key in kept}


class EvaluationGroupService:
    def create(self, session: Session, principal: Principal, *, body: GroupCreate) -> GroupView:
        _checked_ids(session, principal, body.evaluation_ids)
        now = utcnow()
        group = EvaluationGroup(
            id=new_id(),
            account_id=principal.account_id,
            name=body.name,
            description=body.description,
            tags=body.tags,
            metadata_=body.metadata or {},
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(group)
        session.flush()
        evaluation_group_repository.add_members(
            session, group_id=group.id, evaluation_ids=body.evaluation_ids, at=now
        )
        evaluation_group_repository.set_row_identifiers(
            session,
            group_id=group.id,
            wanted=_members_only(body.row_identifiers, body.evaluation_ids),
            at=now,
        )
        session.flush()
        return self._view(session, group, views=(MEMBERS, ROW_IDENTIFIERS))

    def get(
        self,
        session: Session,
        principal: Principal,
        group_id: str,
        *,
        include_deleted: bool,
        views: Sequence[str],
    ) -> GroupView:
        """The group with its members (always) and the views asked for."""
        group = self._require(session, principal, group_id, include_deleted=include_deleted)
        return self._view(session, group, views=(MEMBERS, *views))

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        name: str | None,
        tags: Sequence[str],
        evaluation_id: str | None,
        include_deleted: bool,
        views: Sequence[str],
    ) -> tuple[Page, builtins.list[GroupView]]:
        stmt = evaluation_group_repository.list_stmt(
            session,
            account_id=principal.account_id,
            name=name,
            tags=tags,
            evaluation_id=evaluation_id,
            include_deleted=include_deleted,
        )
        page = paginate(
            session,
            stmt,
            key=EvaluationGroup.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=evaluation_group_repository.cursor_check(session, principal.account_id),
        )
        return page, self._views(session, [row[0] for row in page.rows], views=views)

    def update(
        self, session: Session, principal: Principal, group_id: str, *, body: GroupUpdate
    ) -> GroupView:
        """Change only what the body sends (see GroupUpdate); membership stays."""
        sent = {
            field
            for field in body.model_fields_set & set(_UPDATABLE)
            # A null means "leave as is", except for description, which it clears.
            if field == "description" or getattr(body, field) is not None
        }
        if not sent:
            raise BadRequest(f"nothing to update: send at least one of {', '.join(_UPDATABLE)}")
        group = self._writable(session, principal, group_id)
        now = utcnow()
        if body.name is not None:
            group.name = body.name
        if "description" in sent:
            group.description = body.description
        if body.tags is not None:
            group.tags = body.tags
        if body.metadata is not None:
            group.metadata_ = merge_patch(group.metadata_, body.metadata)
        if body.row_identifiers is not None:
            members = evaluation_group_repository.live_member_evaluations(session, group.id)
            evaluation_group_repository.set_row_identifiers(
                session,
                group_id=group.id,
                wanted=_members_only(body.row_identifiers, members),
                at=now,
            )
        group.updated_at = now
        session.flush()
        return self._view(session, group, views=(MEMBERS, ROW_IDENTIFIERS))

    def replace(
        self, session: Session, principal: Principal, group_id: str, *, body: GroupReplace
    ) -> GroupView:
        """Write every attribute from the body (see GroupReplace); with `evaluation_ids`, make
        the members exactly those: members kept keep their id, the others are soft-deleted."""
        group = self._writable(session, principal, group_id)
        now = utcnow()
        members = evaluation_group_repository.live_member_evaluations(session, group.id)
        if body.evaluation_ids is not None:
            _checked_ids(session, principal, body.evaluation_ids)
            wanted, current = set(body.evaluation_ids), set(members)
            evaluation_group_repository.end_members(
                session, group_id=group.id, evaluation_ids=current - wanted, at=now
            )
            evaluation_group_repository.add_members(
                session,
                group_id=group.id,
                evaluation_ids=[e for e in body.evaluation_ids if e not in current],
                at=now,
            )
            members = body.evaluation_ids
        if body.name is not None:  # a group always has a name: omitted, it stays
            group.name = body.name
        group.description = body.description
        group.tags = body.tags or []
        group.metadata_ = body.metadata or {}
        evaluation_group_repository.set_row_identifiers(
            session,
            group_id=group.id,
            wanted=_members_only(body.row_identifiers, members),
            at=now,
        )
        group.updated_at = now
        session.flush()
        return self._view(session, group, views=(MEMBERS, ROW_IDENTIFIERS))

    def archive(self, session: Session, principal: Principal, group_id: str) -> GroupView:
        """Soft-delete the group with its members and row identifiers (not their evaluations)."""
        group = self._writable(session, principal, group_id)
        now = utcnow()
        group.deleted_at = group.updated_at = now
        evaluation_group_repository.end_group(session, group_id=group.id, at=now)
        session.flush()
        return self._view(session, group, views=(MEMBERS, ROW_IDENTIFIERS))

    def schema(
        self, session: Session, principal: Principal, group_id: str, *, include_archived: bool
    ) -> builtins.list[EvaluationSchema]:
        """The schema of each live member's evaluation (yardstick.evaluation.schema_view)."""
        group = self._require(session, principal, group_id, include_deleted=False)
        evaluation_ids = evaluation_group_repository.live_member_evaluations(
            session, group.id, include_archived=include_archived
        )
        # include_archived=True: the members were just read with the archive filter asked for;
        # an archive committed since must not turn this read into a 404.
        return [
            evaluation_schema_service.get(session, principal, evaluation_id, include_archived=True)
            for evaluation_id in evaluation_ids
        ]

    @staticmethod
    def _require(
        session: Session, principal: Principal, group_id: str, *, include_deleted: bool
    ) -> EvaluationGroup:
        group = evaluation_group_repository.require(
            session, account_id=principal.account_id, row_id=group_id
        )
        if group.deleted_at is not None and not include_deleted:
            raise NotFound("evaluation group", group_id)
        return group

    @staticmethod
    def _writable(session: Session, principal: Principal, group_id: str) -> EvaluationGroup:
        """The live group, locked for this write; a deleted one is a 409."""
        group = evaluation_group_repository.require(
            session, account_id=principal.account_id, row_id=group_id, for_update=True
        )
        if group.deleted_at is not None:
            raise Conflict(f"evaluation group {group_id!r} is deleted: it cannot be changed")
        return group

    def _view(self, session: Session, group: EvaluationGroup, *, views: Sequence[str]) -> GroupView:
        return self._views(session, [group], views=views)[0]

    @staticmethod
    def _views(
        session: Session, groups: builtins.list[EvaluationGroup], *, views: Sequence[str]
    ) -> builtins.list[GroupView]:
        members: dict[str, builtins.list[MemberRow]] | None = None
        row_identifiers: dict[str, builtins.list[EvaluationGroupRowIdentifier]] | None = None
        if MEMBERS in views:
            members = evaluation_group_repository.members_of(session, groups)
        if ROW_IDENTIFIERS in views:
            row_identifiers = evaluation_group_repository.row_identifiers_of(session, groups)
        return [
            GroupView(
                group,
                members=None if members is None else members[group.id],
                row_identifiers=None if row_identifiers is None else row_identifiers[group.id],
            )
            for group in groups
        ]


evaluation_group_service = EvaluationGroupService()
