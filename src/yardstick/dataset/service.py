from __future__ import annotations

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset.repository import dataset_repository
from yardstick.dataset.schemas import DatasetCreate, DatasetUpdate
from yardstick.dataset_item.repository import ItemRow, dataset_item_repository
from yardstick.db.types import utcnow
from yardstick.errors import NotFound
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.kit.patch import apply_update
from yardstick.models import Dataset


class DatasetService:
    def create(
        self, session: Session, principal: Principal, *, body: DatasetCreate
    ) -> tuple[Dataset, list[ItemRow]]:
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
        items = dataset_item_repository.insert_new(
            session,
            principal,
            dataset_id=dataset.id,
            version=1,
            rows=body.data,
            now=now,
            loc=["body", "data"],
        )
        return dataset, items

    def get(
        self, session: Session, principal: Principal, dataset_id: str, *, include_archived: bool = False
    ) -> Dataset:
        dataset = dataset_repository.get(
            session,
            account_id=principal.account_id,
            dataset_id=dataset_id,
            include_archived=include_archived,
        )
        if dataset is None:
            raise NotFound("dataset", dataset_id)
        return dataset

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
            cursor_exists=lambda cursor: dataset_repository.exists(
                session, account_id=principal.account_id, dataset_id=cursor
            ),
        )

    def update(
        self, session: Session, principal: Principal, dataset_id: str, *, body: DatasetUpdate
    ) -> Dataset:
        dataset = self.get(session, principal, dataset_id)
        apply_update(dataset, body)
        session.flush()
        return dataset

    def archive(self, session: Session, principal: Principal, dataset_id: str) -> None:
        dataset = self.get(session, principal, dataset_id, include_archived=True)
        if dataset.archived_at is None:
            dataset.archived_at = utcnow()
            session.flush()


dataset_service = DatasetService()
