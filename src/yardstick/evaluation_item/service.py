from collections.abc import Sequence

from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import NotFound
from yardstick.evaluation.service import evaluation_service
from yardstick.evaluation_item.cell_filters import check_aliases, require_evaluation_for_pending
from yardstick.evaluation_item.cell_filters import parse as parse_cell_filters
from yardstick.evaluation_item.repository import (
    Cell,
    CompletionStatus,
    ItemRow,
    evaluation_item_repository,
)
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import EvaluationItem


class EvaluationItemService:
    def get(
        self, session: Session, principal: Principal, item_id: str, *, include_archived: bool
    ) -> tuple[ItemRow, list[Cell]]:
        item = evaluation_item_repository.get(
            session, account_id=principal.account_id, item_id=item_id
        )
        if item is None or (item.archived_at is not None and not include_archived):
            raise NotFound("evaluation item", item_id)
        return item, evaluation_item_repository.cells_of(session, [item.id])[item.id]

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        evaluation_id: str | None,
        include_archived: bool,
        completion_status: CompletionStatus = "all",
        task_status: Sequence[str] = (),
        error_type: Sequence[str] = (),
    ) -> tuple[Page, dict[str, list[Cell]]]:
        total = None
        cell_filters = parse_cell_filters(task_status, error_type)
        if evaluation_id is None:
            require_evaluation_for_pending(cell_filters)
        else:
            evaluation = evaluation_service.get(
                session, principal, evaluation_id, include_archived=include_archived
            )
            aliases = {task["alias"] for task in evaluation.tasks}
            check_aliases(cell_filters, aliases, evaluation_id)
            if completion_status == "all" and not cell_filters:
                total = evaluation.item_count
        stmt = evaluation_item_repository.list_stmt(
            account_id=principal.account_id,
            evaluation_id=evaluation_id,
            include_archived=include_archived,
            completion_status=completion_status,
            cell_filters=cell_filters,
        )
        page = paginate(
            session,
            stmt,
            key=EvaluationItem.id,
            params=params,
            total=total,
            cursor_exists=lambda cursor: evaluation_item_repository.exists(
                session, account_id=principal.account_id, item_id=cursor
            ),
        )
        cells = evaluation_item_repository.cells_of(session, [row.id for row in page.rows])
        return page, cells


evaluation_item_service = EvaluationItemService()
