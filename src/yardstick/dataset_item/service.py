"""Rules for versioned dataset items.

Writers to one dataset are ordered by its row: a batch create takes the row lock with the
`UPDATE … RETURNING` that bumps the version; an item update or delete takes it first
(`SELECT … FOR UPDATE`) and reads the item's current row only after that, so it sees what the
writer before it committed and can decide (404, or a repeated delete that is a no-op) before it
makes a version. On SQLite the write transaction (`BEGIN IMMEDIATE`) already orders writers.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset.repository import DatasetState, dataset_repository
from yardstick.dataset_item.encoding import encode
from yardstick.dataset_item.repository import (
    ItemRow,
    NewItems,
    dataset_item_repository,
    listed_row_first,
)
from yardstick.db.types import utcnow
from yardstick.errors import Conflict, NotFound, Unprocessable
from yardstick.file.refs import check_file_ids, check_file_maps
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.schemas import Row
from yardstick.models import DatasetItemVersion

# `sort_by` values an item list accepts besides the default (row order).
SORTABLE = {"updated_at": DatasetItemVersion.updated_at}


class DatasetItemService:
    def get(
        self,
        session: Session,
        principal: Principal,
        item_id: str,
        *,
        version: int | None,
        include_archived: bool = False,
        raw: bool = False,
    ) -> ItemRow:
        """The item now or at `version`; with `raw`, its row as the driver gives it
        (`yardstick.kit.driver_query`: same fields, stored values)."""
        rows = dataset_item_repository.raw if raw else dataset_item_repository
        current = rows.current(session, account_id=principal.account_id, item_id=item_id)
        if current is None:
            raise NotFound("dataset item", item_id)
        state = self.dataset_state(
            session, principal, current.dataset_id, include_archived=include_archived
        )
        item = current
        if version is not None:
            self._check_version(version, state.current_version)
            found = rows.at(
                session, account_id=principal.account_id, item_id=item_id, version=version
            )
            if found is None:
                raise NotFound("dataset item", f"{item_id}@version {version}")
            item = found
        if item.archived_at is not None and not include_archived:
            raise NotFound("dataset item", item_id)
        return item

    @staticmethod
    def dataset_state(
        session: Session, principal: Principal, dataset_id: str, *, include_archived: bool
    ) -> DatasetState:
        """The dataset's version and item count, or NotFound (404) for another account's, a
        missing one or (unless `include_archived`) an archived one."""
        found = dataset_repository.state(
            session, account_id=principal.account_id, dataset_id=dataset_id
        )
        if found is None or (found.archived and not include_archived):
            raise NotFound("dataset", dataset_id)
        return found

    def list_total(
        self,
        session: Session,
        principal: Principal,
        *,
        dataset_id: str | None,
        version: int | None,
        include_archived: bool,
    ) -> int | None:
        """Check a list's dataset and version; its total where recorded (else None: count)."""
        if dataset_id is None:
            if version is not None:
                raise Unprocessable(["query", "version"], "version requires dataset_id")
            return None
        state = self.dataset_state(
            session, principal, dataset_id, include_archived=include_archived
        )
        if include_archived:
            if version is not None:
                self._check_version(version, state.current_version)
            return None
        if version is None:
            return state.item_count
        self._check_version(version, state.current_version)
        return self._version_count(session, dataset_id, version)

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        dataset_id: str | None,
        version: int | None,
        include_archived: bool,
    ) -> Page:
        total = self.list_total(
            session,
            principal,
            dataset_id=dataset_id,
            version=version,
            include_archived=include_archived,
        )
        stmt = dataset_item_repository.list_stmt(
            account_id=principal.account_id,
            dataset_id=dataset_id,
            version=version,
            include_archived=include_archived,
        )
        return paginate(
            session,
            stmt,
            key=DatasetItemVersion.item_id,
            params=params,
            sortable=SORTABLE,
            cursor_row_order=listed_row_first(version),
            total=total,
            cursor_exists=lambda cursor: dataset_item_repository.exists(
                session, account_id=principal.account_id, item_id=cursor
            ),
        )

    def batch_create(
        self,
        session: Session,
        principal: Principal,
        *,
        dataset_id: str,
        rows: builtins.list[Row],
        files: builtins.list[dict[str, str]] | None = None,
    ) -> NewItems:
        file_maps = check_file_maps(
            session,
            account_id=principal.account_id,
            files=files,
            rows=len(rows),
            loc=["body", "files"],
        )
        now = utcnow()
        version = self._next_version(session, principal, dataset_id, len(rows), now)
        return dataset_item_repository.insert_new(
            session,
            principal,
            dataset_id=dataset_id,
            version=version,
            rows=rows,
            files=file_maps,
            now=now,
            loc=["body", "data"],
        )

    def update(
        self,
        session: Session,
        principal: Principal,
        item_id: str,
        *,
        data: Row,
        files: dict[str, str] | None = None,
    ) -> ItemRow:
        """Replace the item's data and, when given, its files, as a new dataset version."""
        text, content_hash = encode(data, ["body", "data"])
        if files is not None:
            check_file_ids(
                session, account_id=principal.account_id, entries=[(["body", "files"], files)]
            )
        current = self._locked_current(session, principal, item_id)
        if current.archived_at is not None:
            raise Conflict(f"dataset item {item_id!r} is archived and cannot be changed")
        return self._new_version(
            session,
            principal,
            current,
            data=text,
            content_hash=content_hash,
            files=current.files if files is None else (files or None),
        )

    def delete(self, session: Session, principal: Principal, item_id: str) -> None:
        current = self._locked_current(session, principal, item_id)
        if current.archived_at is not None:
            raise Conflict(f"dataset item {item_id!r} is already archived")
        self._new_version(
            session,
            principal,
            current,
            data=current.data,
            content_hash=current.content_hash,
            files=current.files,
            archived=True,
        )

    def _locked_current(self, session: Session, principal: Principal, item_id: str) -> ItemRow:
        """The item's current row, read under its dataset's lock (see the module docstring)."""
        found = dataset_item_repository.current(
            session, account_id=principal.account_id, item_id=item_id
        )
        if found is None:
            raise NotFound("dataset item", item_id)
        dataset_repository.lock(
            session, account_id=principal.account_id, dataset_id=found.dataset_id
        )
        current = dataset_item_repository.current(
            session, account_id=principal.account_id, item_id=item_id
        )
        if current is None:  # item rows are never removed; this only narrows the type
            raise NotFound("dataset item", item_id)
        # An archived dataset is not found, whatever its item: checked before the item's own
        # state, which said 409 for an item deleted before its dataset was.
        self.dataset_state(session, principal, current.dataset_id, include_archived=False)
        return current

    def _new_version(
        self,
        session: Session,
        principal: Principal,
        current: ItemRow,
        *,
        data: str,
        content_hash: str,
        files: dict[str, str] | None,
        archived: bool = False,
    ) -> ItemRow:
        """Replace the item's data, or archive it, as the dataset's next version."""
        now = utcnow()
        version = self._next_version(
            session, principal, current.dataset_id, -1 if archived else 0, now
        )
        return dataset_item_repository.replace(
            session,
            principal,
            old=current,
            version=version,
            data=data,
            content_hash=content_hash,
            files=files,
            now=now,
            archived=archived,
        )

    def _next_version(
        self,
        session: Session,
        principal: Principal,
        dataset_id: str,
        item_delta: int,
        now: datetime,
    ) -> int:
        version = dataset_repository.bump_version(
            session,
            account_id=principal.account_id,
            dataset_id=dataset_id,
            item_delta=item_delta,
            now=now,
        )
        if version is None:
            raise NotFound("dataset", dataset_id)
        return version

    @staticmethod
    def _version_count(session: Session, dataset_id: str, version: int) -> int:
        """The live items of a version: recorded with the version, or (for a version written
        before counts were) counted once and recorded in a write of its own."""
        found = dataset_repository.version_count(session, dataset_id=dataset_id, version=version)
        if found is not None:
            return found
        counted = dataset_item_repository.count_at(session, dataset_id=dataset_id, version=version)
        dataset_repository.remember_count(
            session, dataset_id=dataset_id, version=version, item_count=counted
        )
        return counted

    @staticmethod
    def _check_version(version: int, current: int) -> None:
        if version > current:
            raise Unprocessable(
                ["query", "version"], f"the dataset has no version {version} (latest is {current})"
            )


dataset_item_service = DatasetItemService()
