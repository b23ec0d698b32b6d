"""The SQL of the dataset pages that no API service runs: the diff of two versions, and the
evaluations built from a dataset.

Versions (models.dataset_item): an item has one row per change, valid for the versions
`version_from <= N < version_to`; a delete opens a row with `archived_at` set. Between versions
A < B, an item changed exactly when its row at B was opened after A (`version_from > A`), so the
diff reads only those rows: found through the index (dataset_id, version_from) and sorted by
item id, so a diff costs what its changes do, not what the dataset holds (a page of the diff of
versions 1..152 of a 1,000,000-item dataset: 145 ms along the history index, 9 ms this way).
Each is joined to its row at A through the history index (dataset_id, item_id, version_from):

- added: live at B, and absent or deleted at A;
- removed: deleted at B, live at A;
- changed: live at both, with another content hash (a change back to the same content is none).

A page is a keyset range (`item_id > cursor`); the counts are one grouped pass over the same
rows. Nothing loads a version into Python.
"""

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from yardstick.errors import Unprocessable
from yardstick.models import DatasetItemVersion, Evaluation, EvaluationDataset

DiffKind = Literal["added", "changed", "removed"]
KINDS: tuple[DiffKind, ...] = ("added", "changed", "removed")


def _at(row: Any, version: int) -> ColumnElement[bool]:
    return and_(
        row.version_from <= version, or_(row.version_to.is_(None), row.version_to > version)
    )


class DatasetPageRepository:
    def _diff(
        self, *, account_id: str, dataset_id: str, old: int, new: int
    ) -> tuple[Any, Any, ColumnElement[Any]]:
        before = aliased(DatasetItemVersion, name="before")
        after = aliased(DatasetItemVersion, name="after")
        kind = case(
            (
                and_(
                    after.archived_at.is_(None),
                    or_(before.row_id.is_(None), before.archived_at.isnot(None)),
                ),
                "added",
            ),
            (
                and_(
                    after.archived_at.isnot(None),
                    before.row_id.isnot(None),
                    before.archived_at.is_(None),
                ),
                "removed",
            ),
            (
                and_(
                    after.archived_at.is_(None),
                    before.archived_at.is_(None),
                    before.content_hash != after.content_hash,
                ),
                "changed",
            ),
            else_=None,
        )
        stmt = (
            select(after.item_id, kind.label("kind"), before.data, after.data)
            .select_from(after)
            .outerjoin(
                before,
                and_(
                    before.dataset_id == after.dataset_id,
                    before.item_id == after.item_id,
                    _at(before, old),
                ),
            )
            .where(
                after.account_id == account_id,
                after.dataset_id == dataset_id,
                after.version_from > old,
                _at(after, new),
            )
        )
        return stmt, after, kind

    def diff_page(
        self,
        session: Session,
        *,
        account_id: str,
        dataset_id: str,
        old: int,
        new: int,
        kinds: Sequence[DiffKind],
        after_id: str | None,
        limit: int,
    ) -> list[tuple[str, DiffKind, str | None, str]]:
        """(item id, kind, data at `old` or None, data at `new`) of the changed items, in item
        order after `after_id`: at most `limit`."""
        stmt, after, kind = self._diff(
            account_id=account_id, dataset_id=dataset_id, old=old, new=new
        )
        stmt = stmt.where(kind.in_(list(kinds)))
        if after_id is not None:
            # A cursor is an item of this diff's pages, as the items' pages check theirs: an
            # unknown one was an empty page, as if the diff ended there.
            listed = session.execute(stmt.where(after.item_id == after_id).limit(1)).first()
            if listed is None:
                raise Unprocessable(
                    ["query", "after"], f"unknown cursor {after_id!r}: no such item in this diff"
                )
            stmt = stmt.where(after.item_id > after_id)
        rows = session.execute(stmt.order_by(after.item_id).limit(limit))
        return [(item_id, found, before, now) for item_id, found, before, now in rows]

    def diff_counts(
        self, session: Session, *, account_id: str, dataset_id: str, old: int, new: int
    ) -> dict[DiffKind, int]:
        stmt, _, _ = self._diff(account_id=account_id, dataset_id=dataset_id, old=old, new=new)
        rows = stmt.subquery()
        counted = select(rows.c.kind, func.count()).group_by(rows.c.kind)
        found = dict.fromkeys(KINDS, 0)
        for name, count in session.execute(counted):
            if name in found:
                found[name] = count
        return found

    def evaluations_of(
        self, session: Session, *, account_id: str, dataset_id: str, limit: int
    ) -> list[tuple[Evaluation, int]]:
        """The newest live evaluations built from the dataset, with the version each pinned."""
        stmt = (
            select(Evaluation, EvaluationDataset.dataset_version_num)
            .join(EvaluationDataset, EvaluationDataset.evaluation_id == Evaluation.id)
            .where(
                EvaluationDataset.dataset_id == dataset_id,
                Evaluation.account_id == account_id,
                Evaluation.archived_at.is_(None),
            )
            .order_by(Evaluation.id.desc())
            .limit(limit)
        )
        return [(evaluation, version) for evaluation, version in session.execute(stmt)]


dataset_page_repository = DatasetPageRepository()
