from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep
from yardstick.evaluation_item import pages
from yardstick.evaluation_item.repository import CompletionStatus
from yardstick.evaluation_item.schemas import EvaluationItemList, EvaluationItemOut, item_json
from yardstick.evaluation_item.service import evaluation_item_service
from yardstick.kit.pagination import RowOrder
from yardstick.kit.responses import JSONBody, RawJSON

router = APIRouter(prefix="/v5/evaluation-items", tags=["evaluation items"])

IncludeArchived = Annotated[bool, Query(description="Include items of archived evaluations")]


@router.get("/{evaluation_item_id}", response_model=EvaluationItemOut)
def get_evaluation_item(
    evaluation_item_id: str,
    principal: PrincipalDep,
    session: ReadSessionDep,
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """Retrieve an evaluation item with its task results merged into `data`."""
    item, cells = evaluation_item_service.get(
        session, principal, evaluation_item_id, include_archived=include_archived
    )
    return JSONBody(item_json(item, cells))


@router.get("", response_model=EvaluationItemList)
async def list_evaluation_items(
    request: Request,
    principal: PrincipalDep,
    params: RowOrder,
    evaluation_id: str | None = None,
    include_archived: IncludeArchived = False,
    completion_status: Annotated[
        CompletionStatus, Query(description="failed: items with a task error; passed: without")
    ] = "all",
    task_status: Annotated[
        list[str] | None,
        Query(description="`<alias>:<status>` (repeatable): the alias's cell has that status"),
    ] = None,
    error_type: Annotated[
        list[str] | None,
        Query(
            description="`<type>` or `<alias>:<type>` (repeatable): an errored cell of that type"
        ),
    ] = None,
) -> RawJSON:
    """List evaluation items in row order, with their task results merged into `data`."""

    # The read session is opened here: one trip through the thread pool, not three.
    def render() -> bytes:
        with request.app.state.sessions.read() as session:
            return pages.list_page(
                session,
                principal,
                params=params,
                evaluation_id=evaluation_id,
                include_archived=include_archived,
                completion_status=completion_status,
                task_status=task_status or [],
                error_type=error_type or [],
            )

    return RawJSON(await run_in_threadpool(render))
