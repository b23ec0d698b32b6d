from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yardstick.dataset_item.repository import at_version
from yardstick.kit.bulk import bulk_insert
from yardstick.kit.filters import name_tags_archived
from yardstick.kit.repository import AccountRepository
from yardstick.models import (
    Dataset,
    DatasetItemVersion,
    Evaluation,
    EvaluationDataset,
    EvaluationItem,
)

ITEM_COLUMNS = (
    "id",
    "account_id",
    "evaluation_id",
    "data",
    "dataset_item_id",
    "dataset_item_version_num",
    "files",
    "created_at",
    "repeat",
    "row_item_id",
)


class EvaluationRepository(AccountRepository[Evaluation]):
    def list_stmt(
        self,
        session: Session,
        *,
        account_id: str,
        name: str | None,
        tags: Sequence[str],
        include_archived: bool,
    ) -> Select[Evaluation]:
        return name_tags_archived(
            select(Evaluation).where(Evaluation.account_id == account_id),
            Evaluation,
            name=name,
            tags=tags,
            include_archived=include_archived,
            dialect=session.get_bind().dialect.name,
        )

    def datasets_of(
        self, session: Session, evaluation_ids: Sequence[str]
    ) -> dict[str, list[Dataset]]:
        """The datasets linked to each evaluation, for a whole page in one query."""
        out: dict[str, list[Dataset]] = defaultdict(list)
        if not evaluation_ids:
            return out
        stmt = (
            select(EvaluationDataset.evaluation_id, Dataset)
            .join(Dataset, Dataset.id == EvaluationDataset.dataset_id)
            .where(EvaluationDataset.evaluation_id.in_(evaluation_ids))
        )
        for evaluation_id, dataset in session.execute(stmt):
            out[evaluation_id].append(dataset)
        return out

    def dataset_rows(
        self,
        session: Session,
        *,
        account_id: str,
        dataset_id: str,
        version: int,
        item_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str, dict[str, str] | None]]:
        """(item id, data text, files) of the live items at `version`, in row order; all or
        `item_ids`.

        Read at the version the evaluation pins, not "current": on PostgreSQL (READ COMMITTED) a
        batch committed after the dataset row was read would otherwise leak in.
        """
        V = DatasetItemVersion
        stmt = select(V.item_id, V.data, V.files).where(
            V.account_id == account_id,
            V.dataset_id == dataset_id,
            at_version(version),
            V.archived_at.is_(None),
        )
        if item_ids is None:
            return [
                (i, data, files) for i, data, files in session.execute(stmt.order_by(V.item_id))
            ]
        out: list[tuple[str, str, dict[str, str] | None]] = []
        for start in range(0, len(item_ids), 500):  # under every driver's bound-parameter limit
            chunk = stmt.where(V.item_id.in_(item_ids[start : start + 500]))
            out.extend((i, data, files) for i, data, files in session.execute(chunk))
        return out

    def link_dataset(
        self, session: Session, *, evaluation_id: str, dataset_id: str, version: int
    ) -> None:
        session.add(
            EvaluationDataset(
                evaluation_id=evaluation_id, dataset_id=dataset_id, dataset_version_num=version
            )
        )

    def item_ids(self, session: Session, evaluation_id: str) -> list[str]:
        """Every item id of the evaluation, in row order."""
        return list(
            session.scalars(
                select(EvaluationItem.id)
                .where(EvaluationItem.evaluation_id == evaluation_id)
                .order_by(EvaluationItem.id)
            )
        )

    def insert_items(self, session: Session, rows: list[tuple[Any, ...]]) -> None:
        """Rows are tuples in ITEM_COLUMNS order."""
        bulk_insert(session, EvaluationItem.__table__, ITEM_COLUMNS, rows)  # type: ignore[arg-type]


evaluation_repository = EvaluationRepository(Evaluation, "evaluation")
