"""SQL for versioned dataset items (see `models.dataset_item` for the version scheme)."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import ColumnElement, Select, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import Unprocessable
from yardstick.ids import new_id
from yardstick.models import Dataset, DatasetItemVersion

_T = DatasetItemVersion.__table__
V = DatasetItemVersion


class ItemRow(NamedTuple):
    """One version of an item as the API shows it; reads select exactly these columns."""

    row_id: int | None
    item_id: str
    dataset_id: str
    data: str
    content_hash: str
    version_from: int
    created_at: datetime
    updated_at: datetime
    created_by_user_id: str
    archived_at: datetime | None


_COLUMNS = [getattr(V, field) for field in ItemRow._fields]


def _insert_params(item: ItemRow, account_id: str) -> dict[str, Any]:
    params = item._asdict()
    del params["row_id"]  # assigned by the database
    return {**params, "account_id": account_id, "version_to": None}


def encode(data: Any, loc: list[str | int]) -> tuple[str, str]:
    """The stored JSON text and the content hash: sha256 of canonical JSON (CONTRACT §6 row 11)."""
    try:
        text = orjson.dumps(data)
        canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        raise Unprocessable(loc, f"cannot be stored as JSON: {exc}") from exc
    return text.decode(), hashlib.sha256(canonical).hexdigest()


def at_version(version: int) -> ColumnElement[bool]:
    return (V.version_from <= version) & or_(V.version_to.is_(None), V.version_to > version)


class DatasetItemRepository:
    def insert_new(
        self,
        session: Session,
        principal: Principal,
        *,
        dataset_id: str,
        version: int,
        rows: Sequence[dict[str, Any]],
        now: datetime,
        loc: list[str | int],
    ) -> list[ItemRow]:
        items = []
        for index, data in enumerate(rows):
            text, content_hash = encode(data, [*loc, index])
            items.append(
                ItemRow(None, new_id(), dataset_id, text, content_hash, version, now, now,
                        principal.user_id, None)
            )
        if items:
            session.execute(
                insert(_T), [_insert_params(item, principal.account_id) for item in items]
            )
        return items

    def current(self, session: Session, *, account_id: str, item_id: str) -> ItemRow | None:
        stmt = select(*_COLUMNS).where(
            V.item_id == item_id, V.account_id == account_id, V.version_to.is_(None)
        )
        row = session.execute(stmt).first()
        return ItemRow(*row) if row else None

    def at(self, session: Session, *, account_id: str, item_id: str, version: int) -> ItemRow | None:
        stmt = select(*_COLUMNS).where(
            V.item_id == item_id, V.account_id == account_id, at_version(version)
        )
        row = session.execute(stmt).first()
        return ItemRow(*row) if row else None

    def replace(
        self,
        session: Session,
        principal: Principal,
        *,
        old: ItemRow,
        version: int,
        data: str,
        content_hash: str,
        now: datetime,
        archived: bool,
    ) -> ItemRow:
        """Close the item's current row at `version` and open its next one."""
        session.execute(
            update(_T).where(_T.c.row_id == old.row_id).values(version_to=version)
        )
        new = old._replace(
            row_id=None,
            data=data,
            content_hash=content_hash,
            version_from=version,
            updated_at=now,
            archived_at=now if archived else None,
        )
        session.execute(insert(_T), [_insert_params(new, principal.account_id)])
        return new

    def list_stmt(
        self,
        *,
        account_id: str,
        dataset_id: str | None,
        version: int | None,
        include_archived: bool,
    ) -> Select[Any]:
        stmt = select(*_COLUMNS).where(V.account_id == account_id)
        if dataset_id is not None:
            stmt = stmt.where(V.dataset_id == dataset_id)
        else:
            live = select(Dataset.id).where(Dataset.account_id == account_id)
            if not include_archived:
                live = live.where(Dataset.archived_at.is_(None))
            stmt = stmt.where(V.dataset_id.in_(live))
        stmt = stmt.where(V.version_to.is_(None) if version is None else at_version(version))
        if not include_archived:
            stmt = stmt.where(V.archived_at.is_(None))
        return stmt

    def exists(self, session: Session, *, account_id: str, item_id: str) -> bool:
        stmt = select(exists().where(V.item_id == item_id, V.account_id == account_id))
        return bool(session.scalar(stmt))


dataset_item_repository = DatasetItemRepository()
