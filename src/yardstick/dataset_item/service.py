"""Rules for versioned dataset items.

Every write (batch create, update, delete) first bumps the dataset's version with one
`UPDATE … RETURNING`: on PostgreSQL that row lock orders concurrent writers to one dataset, on
SQLite the write transaction (`BEGIN IMMEDIATE`) already does. The item's current row is read
only after that, so a writer always sees what the writer before it committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset.repository import dataset_repository
from yardstick.dataset.service import dataset_service
from yardstick.dataset_item.repository import ItemRow, dataset_item_repository, encode
from yardstick.db.types import utcnow
from yardstick.errors import NotFound, Unprocessable
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import DatasetItemVersion
from yardstick.kit.schemas import Row


class DatasetItemService:
    def get(
        self,
        session: Session,
        principal: Principal,
        item_id: str,
        *,
        version: int | None,
        include_archived: bool = False,
    ) -> ItemRow:
        current = dataset_item_repository.current(
            session, account_id=principal.account_id, item_id=item_id
        )
        if current is None:
            raise NotFound("dataset item", item_id)
        dataset = dataset_service.get(
            session, principal, current.dataset_id, include_archived=include_archived
        )
        item = current
        if version is not None:
            self._check_version(version, dataset.current_version_num)
            found = dataset_item_repository.at(
                session, account_id=principal.account_id, item_id=item_id, version=version
            )
            if found is None:
                raise NotFound("dataset item", f"{item_id}@version {version}")
            item = found
        if item.archived_at is not None and not include_archived:
            raise NotFound("dataset item", item_id)
        return item

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
        total = None
        if dataset_id is not None:
            dataset = dataset_service.get(
                session, principal, dataset_id, include_archived=include_archived
            )
            if version is not None:
                self._check_version(version, dataset.current_version_num)
            elif not include_archived:
                total = dataset.item_count
        elif version is not None:
            raise Unprocessable(["query", "version"], "version requires dataset_id")
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
            total=total,
            cursor_exists=lambda cursor: dataset_item_repository.exists(
                session, account_id=principal.account_id, item_id=cursor
            ),
        )

    def batch_create(
        self, session: Session, principal: Principal, *, dataset_id: str, rows: list[Row]
    ) -> list[ItemRow]:
        now = utcnow()
        version = self._next_version(session, principal, dataset_id, len(rows), now)
        return dataset_item_repository.insert_new(
            session,
            principal,
            dataset_id=dataset_id,
            version=version,
            rows=rows,
            now=now,
            loc=["body", "data"],
        )

    def update(self, session: Session, principal: Principal, item_id: str, *, data: Row) -> ItemRow:
        text, content_hash = encode(data, ["body", "data"])
        return self._write(session, principal, item_id, data=text, content_hash=content_hash)

    def delete(self, session: Session, principal: Principal, item_id: str) -> None:
        current = dataset_item_repository.current(
            session, account_id=principal.account_id, item_id=item_id
        )
        if current is not None and current.archived_at is not None:
            return  # deleting again is a no-op, not a new version
        self._write(session, principal, item_id, data=None, content_hash=None)

    def _write(
        self,
        session: Session,
        principal: Principal,
        item_id: str,
        *,
        data: str | None,
        content_hash: str | None,
    ) -> ItemRow:
        """Replace the item's data, or archive it when `data` is None, as a new version."""
        before = dataset_item_repository.current(
            session, account_id=principal.account_id, item_id=item_id
        )
        if before is None or before.archived_at is not None:
            raise NotFound("dataset item", item_id)
        now = utcnow()
        archive = data is None
        version = self._next_version(session, principal, before.dataset_id, -1 if archive else 0, now)
        # Re-read after taking the dataset's lock: a concurrent writer may have changed it.
        current = dataset_item_repository.current(
            session, account_id=principal.account_id, item_id=item_id
        )
        if current is None or current.archived_at is not None:
            raise NotFound("dataset item", item_id)
        return dataset_item_repository.replace(
            session,
            principal,
            old=current,
            version=version,
            data=current.data if data is None else data,
            content_hash=current.content_hash if content_hash is None else content_hash,
            now=now,
            archived=archive,
        )

    def _next_version(
        self, session: Session, principal: Principal, dataset_id: str, item_delta: int, now: datetime
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
    def _check_version(version: int, current: int) -> None:
        if version > current:
            raise Unprocessable(
                ["query", "version"], f"the dataset has no version {version} (latest is {current})"
            )


dataset_item_service = DatasetItemService()
