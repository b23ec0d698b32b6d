from __future__ import annotations

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset.repository import dataset_repository
from yardstick.dataset.schemas import DatasetCreate, DatasetUpdate
from yardstick.dataset_item.repository import NewItems, dataset_item_repository
from yardstick.db.types import utcnow
from yardstick.errors import Conflict
from yardstick.file.refs import check_file_maps
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.patch import apply_update, restore, wants_restore
from yardstick.models import Dataset

# `sort_by` values a dataset list accepts besides the default (creation order).
SORTABLE = {"updated_at": Dataset.updated_at, "name": Dataset.name}


class DatasetService:
    def create(
        self, session: Session, principal: Principal, *, body: DatasetCreate
    ) -> tuple[Dataset, NewItems]:
        files = check_file_maps(
            session,
            account_id=principal.account_id,
            files=body.files,
            rows=len(body.data),
            loc=["body", "files"],
        )
        now = utcnow()
        dataset = Dataset(
            account_id=principal.account_id,
            name=body.name,
            description=body.description,
            tags=body.tags,
            current_version_num=1,
            item_count=len(body.data),
            created_by_user_id=principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(dataset)
        session.flush()
        dataset_repository.count_version(
            session, dataset_id=dataset.id, version=1, item_count=len(body.data)
        )
        items = dataset_item_repository.insert_new(
            session,
            principal,
            dataset_id=dataset.id,
            version=1,
            rows=body.data,
            files=files,
            now=now,
            loc=["body", "data"],
        )
        return dataset, items

    def get(
        self,
        session: Session,
        principal: Principal,
        dataset_id: str,
        *,
        include_archived: bool = False,
    ) -> Dataset:
        return dataset_repository.require(
            session,
            account_id=principal.account_id,
            row_id=dataset_id,
            include_archived=include_archived,
        )

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        name: str | None,
        tags: list[str],
        include_archived: bool,
    ) -> Page:
        stmt = dataset_repository.list_stmt(
            session,
            account_id=principal.account_id,
            name=name,
            tags=tags,
            include_archived=include_archived,
        )
        return paginate(
            session,
            stmt,
            key=Dataset.id,
            params=params,
            sortable=SORTABLE,
            cursor_exists=dataset_repository.cursor_check(session, principal.account_id),
        )

    def update(
        self, session: Session, principal: Principal, dataset_id: str, *, body: DatasetUpdate
    ) -> Dataset:
        """A partial update of a live dataset, or a restore (`{"restore": true}`)."""
        dataset = self.get(session, principal, dataset_id, include_archived=True)
        if wants_restore(body):
            # Items and their versions are hidden through the dataset, so they come back with it.
            restore(dataset)
        elif dataset.archived_at is not None:
            raise Conflict(f"dataset {dataset_id!r} is archived: restore it before changing it")
        else:
            apply_update(dataset, body, exclude={"restore"})
        session.flush()
        return dataset

    def archive(self, session: Session, principal: Principal, dataset_id: str) -> None:
        dataset = self.get(session, principal, dataset_id, include_archived=True)
        if dataset.archived_at is not None:
            raise Conflict(f"dataset {dataset_id!r} is already archived")
        dataset.archived_at = utcnow()
        session.flush()


dataset_service = DatasetService()
