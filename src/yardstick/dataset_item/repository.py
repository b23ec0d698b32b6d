"""SQL for versioned dataset items (see `models.dataset_item` for the version scheme)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset_item import sqlite_batch
from yardstick.dataset_item.encoding import encode_rows
from yardstick.ids import new_ids
from yardstick.kit.bulk import bind_processor, insert_bound
from yardstick.kit.driver_query import DriverQuery
from yardstick.models import Dataset, DatasetItemVersion

# A declarative class with __tablename__ maps a Table; SQLAlchemy types __table__ as any FromClause.
_T = cast(Table, DatasetItemVersion.__table__)
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
    files: dict[str, str] | None


_COLUMNS = [getattr(V, field) for field in ItemRow._fields]


def _insert_params(item: ItemRow, account_id: str) -> dict[str, Any]:
    params = item._asdict()
    del params["row_id"]  # assigned by the database
    return {**params, "account_id": account_id, "version_to": None}


class NewItems(NamedTuple):
    """A batch of new items as stored: what each row has, and what the batch shares."""

    dataset_id: str
    version: int
    now: datetime
    user_id: str
    ids: list[str]
    texts: list[bytes]  # the stored JSON text, as orjson wrote it
    hashes: list[str]
    files: Sequence[dict[str, str] | None]


# The columns of a batch insert, in the order of its tuples.
_MANY_COLUMNS = (
    "item_id",
    "account_id",
    "dataset_id",
    "data",
    "content_hash",
    "version_from",
    "version_to",
    "created_at",
    "updated_at",
    "created_by_user_id",
    "archived_at",
    "files",
)


def _insert_many(session: Session, new: NewItems, account_id: str) -> None:
    """PostgreSQL's insert (`insert_bound`: COPY); SQLite's is `sqlite_batch`."""
    # Bound as SQLAlchemy would bind them, the shared values once for the batch.
    now = bind_processor(session, _T, "created_at")(new.now)
    to_files = bind_processor(session, _T, "files")
    shared = (account_id, new.dataset_id)
    rest = (new.version, None, now, now, new.user_id, None)
    insert_bound(
        session,
        _T,
        _MANY_COLUMNS,
        [
            (
                item_id,
                *shared,
                text.decode(),
                content_hash,
                *rest,
                None if files is None else to_files(files),
            )
            for item_id, text, content_hash, files in zip(
                new.ids, new.texts, new.hashes, new.files, strict=True
            )
        ],
    )


def at_version(version: int | BindParameter[int]) -> ColumnElement[bool]:
    # `version_from + 0`: the bound must not lead SQLite to the (dataset_id, version_from) index,
    # which serves diffs (rows opened after a version). For a list it would read every row of
    # the version and sort them (1 s at 1,000,000 items) where the history index gives them in
    # item order (0.2 ms a page).
    return ((V.version_from + 0) <= version) & or_(V.version_to.is_(None), V.version_to > version)


def listed_row_first(version: int | None) -> list[ColumnElement[Any]]:
    """An order of one item's rows whose first is the one a list of `version` shows: the current
    row (its newest), or the row at `version`, else (the item is not in it) the current one."""
    newest_first = V.version_from.desc()
    if version is None:
        return [newest_first]
    return [case((at_version(bindparam("version", version)), 0), else_=1), newest_first]


# Asked of every page's cursor: through the driver (`kit.driver_query`).
_EXISTS = DriverQuery(
    lambda: (
        select(literal(1))
        .where(V.item_id == bindparam("item_id"), V.account_id == bindparam("account_id"))
        .limit(1)
    )
)


class DriverItemRows:
    """`current` and `at` of the repository, through the driver: the rows of the API's
    retrieve, rendered from stored values (`yardstick.dataset_item.pages`)."""

    _current = DriverQuery(lambda: DatasetItemRepository.current_stmt(account_id="", item_id=""))
    _at = DriverQuery(lambda: DatasetItemRepository.at_stmt(account_id="", item_id="", version=0))

    def current(self, session: Session, *, account_id: str, item_id: str) -> Any:
        rows = self._current.rows(session, {"account_id": account_id, "item_id": item_id})
        return rows[0] if rows else None

    def at(self, session: Session, *, account_id: str, item_id: str, version: int) -> Any:
        values = {"account_id": account_id, "item_id": item_id, "version": version}
        rows = self._at.rows(session, values)
        return rows[0] if rows else None


class DatasetItemRepository:
    def insert_new(
        self,
        session: Session,
        principal: Principal,
        *,
        dataset_id: str,
        version: int,
        rows: Sequence[dict[str, Any]],
        files: Sequence[dict[str, str] | None],
        now: datetime,
        loc: list[str | int],
    ) -> NewItems:
        ids = new_ids(len(rows))  # one call: a read of the random source per id is a syscall
        if session.get_bind().dialect.name != "sqlite":
            texts, hashes = encode_rows(rows, loc)
            new = NewItems(dataset_id, version, now, principal.user_id, ids, texts, hashes, files)
            _insert_many(session, new, principal.account_id)
            return new
        if session.autoflush:  # as `session.execute` would, so pending ORM rows land first
            session.flush()
        shared = sqlite_batch.Shared(
            principal.account_id,
            dataset_id,
            version,
            bind_processor(session, _T, "created_at")(now),
            principal.user_id,
        )
        texts, hashes = sqlite_batch.insert(
            session.connection(),
            shared,
            ids=ids,
            rows=rows,
            files=files,
            to_files=bind_processor(session, _T, "files"),
            loc=loc,
        )
        return NewItems(dataset_id, version, now, principal.user_id, ids, texts, hashes, files)

    @staticmethod
    def current_stmt(*, account_id: str, item_id: str) -> Select[Any]:
        """An item's current row; the values are the bind parameters `account_id`, `item_id`."""
        return select(*_COLUMNS).where(
            V.item_id == bindparam("item_id", item_id),
            V.account_id == bindparam("account_id", account_id),
            V.version_to.is_(None),
        )

    @staticmethod
    def at_stmt(*, account_id: str, item_id: str, version: int) -> Select[Any]:
        """An item's row at `version` (bind parameters `account_id`, `item_id`, `version`)."""
        return select(*_COLUMNS).where(
            V.item_id == bindparam("item_id", item_id),
            V.account_id == bindparam("account_id", account_id),
            at_version(bindparam("version", version)),
        )

    def current(self, session: Session, *, account_id: str, item_id: str) -> ItemRow | None:
        row = session.execute(self.current_stmt(account_id=account_id, item_id=item_id)).first()
        return ItemRow(*row) if row else None

    def at(
        self, session: Session, *, account_id: str, item_id: str, version: int
    ) -> ItemRow | None:
        stmt = self.at_stmt(account_id=account_id, item_id=item_id, version=version)
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
        files: dict[str, str] | None,
        now: datetime,
        archived: bool,
    ) -> ItemRow:
        """Close the item's current row at `version` and open its next one."""
        session.execute(update(_T).where(_T.c.row_id == old.row_id).values(version_to=version))
        new = old._replace(
            row_id=None,
            data=data,
            content_hash=content_hash,
            files=files,
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
        """The rows of a list; each value is a named bind parameter (`account_id`, `dataset_id`,
        `version`), so the statement's shape depends only on which are given."""
        account: BindParameter[str] = bindparam("account_id", account_id)
        stmt = select(*_COLUMNS).where(V.account_id == account)
        if dataset_id is not None:
            stmt = stmt.where(V.dataset_id == bindparam("dataset_id", dataset_id))
        else:
            live = select(Dataset.id).where(Dataset.account_id == account)
            if not include_archived:
                live = live.where(Dataset.archived_at.is_(None))
            stmt = stmt.where(V.dataset_id.in_(live))
        if version is None:
            stmt = stmt.where(V.version_to.is_(None))
        else:
            stmt = stmt.where(at_version(bindparam("version", version)))
        if not include_archived:
            stmt = stmt.where(V.archived_at.is_(None))
        return stmt

    @staticmethod
    def count_at(session: Session, *, dataset_id: str, version: int) -> int:
        """The dataset's live items at `version` (a pass over its history rows)."""
        stmt = select(func.count()).where(
            V.dataset_id == dataset_id, at_version(version), V.archived_at.is_(None)
        )
        return int(session.scalar(stmt) or 0)

    def live_data(
        self,
        session: Session,
        *,
        account_id: str,
        dataset_id: str,
        item_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]:
        """(item id, data text) of the dataset's current live items, in row order; all or `item_ids`."""
        stmt = select(V.item_id, V.data).where(
            V.account_id == account_id,
            V.dataset_id == dataset_id,
            V.version_to.is_(None),
            V.archived_at.is_(None),
        )
        if item_ids is None:
            return [tuple(row) for row in session.execute(stmt.order_by(V.item_id))]  # type: ignore[misc]
        out: list[tuple[str, str]] = []
        for start in range(
            0, len(item_ids), 500
        ):  # stay under every driver's bound-parameter limit
            chunk = stmt.where(V.item_id.in_(item_ids[start : start + 500]))
            out.extend(tuple(row) for row in session.execute(chunk))  # type: ignore[misc]
        return out

    def exists(self, session: Session, *, account_id: str, item_id: str) -> bool:
        return bool(_EXISTS.rows(session, {"account_id": account_id, "item_id": item_id}))

    raw = DriverItemRows()


dataset_item_repository = DatasetItemRepository()
