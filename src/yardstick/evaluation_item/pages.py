"""The API's list of evaluation items: an evaluation's pages straight from rows to JSON bytes.

A client pages through an evaluation's items 100 at a time in row order, so that shape (one
evaluation, no filter, ascending, `starting_after` or no cursor) is read the way an export
reads it (`yardstick.export`): one statement per page with each item's cells beside it,
compiled once per task list and run through the driver, and each item's JSON assembled from
the stored texts (`export.rows.Source`), the same members GET renders. Every other shape (all
evaluations, filters, backwards or descending) takes `EvaluationItemService.list`.
"""

from functools import lru_cache

import orjson
from sqlalchemy import Connection, Dialect, bindparam, literal, select
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import NotFound
from yardstick.evaluation_item.repository import CompletionStatus, ItemRow
from yardstick.evaluation_item.schemas import item_json
from yardstick.evaluation_item.service import evaluation_item_service
from yardstick.export.repository import PageQuery
from yardstick.export.rows import Source
from yardstick.kit.driver_query import DriverQuery
from yardstick.kit.driver_values import json_object, moment
from yardstick.kit.pagination import PageParams, check_cursors
from yardstick.models import Evaluation, EvaluationItem

_EVALUATION = DriverQuery(
    lambda: select(
        Evaluation.tasks,
        Evaluation.item_count,
        Evaluation.created_by_user_id,
        Evaluation.archived_at,
    ).where(
        Evaluation.id == bindparam("evaluation_id"),
        Evaluation.account_id == bindparam("account_id"),
    )
)
_ITEM_EXISTS = DriverQuery(
    lambda: (
        select(literal(1))
        .where(
            EvaluationItem.id == bindparam("item_id"),
            EvaluationItem.account_id == bindparam("account_id"),
        )
        .limit(1)
    )
)


@lru_cache(maxsize=64)
def _page_query(dialect: Dialect, aliases: tuple[str, ...]) -> PageQuery:
    # Compiling the statement costs more than a page: once per task list (evaluations share few).
    return PageQuery(dialect, aliases)


def list_page(
    session: Session,
    principal: Principal,
    *,
    params: PageParams,
    evaluation_id: str | None,
    include_archived: bool,
    completion_status: CompletionStatus,
    task_status: list[str],
    error_type: list[str],
) -> bytes:
    """What `GET /v5/evaluation-items` answers, rendered."""
    plain = completion_status == "all" and not task_status and not error_type
    forward = params.sort_order == "asc" and params.ending_before is None
    if evaluation_id is None or not plain or not forward:
        page, cells = evaluation_item_service.list(
            session,
            principal,
            params=params,
            evaluation_id=evaluation_id,
            include_archived=include_archived,
            completion_status=completion_status,
            task_status=task_status,
            error_type=error_type,
        )
        items = [ItemRow(*row) for row in page.rows]
        return orjson.dumps(page.envelope([item_json(item, cells[item.id]) for item in items]))

    return plain_page(
        session.connection(),
        principal,
        evaluation_id=evaluation_id,
        include_archived=include_archived,
        params=params,
    )


def plain_page(
    connection: Connection,
    principal: Principal,
    *,
    evaluation_id: str,
    include_archived: bool,
    params: PageParams,
) -> bytes:
    """The plain shape's page (one evaluation, no filter, ascending, at most `starting_after`),
    read on `connection` in its transaction: a session's, or one of its own
    (yardstick.plain_pages), which costs ~25 µs less than a session."""
    account_id = principal.account_id
    found = _EVALUATION.rows(connection, {"evaluation_id": evaluation_id, "account_id": account_id})
    if not found or (found[0][3] is not None and not include_archived):
        raise NotFound("evaluation", evaluation_id)
    tasks, item_count, creator, archived_at = found[0]
    check_cursors(
        params,
        lambda cursor: bool(
            _ITEM_EXISTS.rows(connection, {"item_id": cursor, "account_id": account_id})
        ),
    )
    source = Source(evaluation_id, json_object(tasks), creator, moment(archived_at))
    query = _page_query(connection.dialect, tuple(source.aliases))
    rows = query.rows(
        connection,
        evaluation_id=evaluation_id,
        after=params.starting_after or "",  # every id sorts after ""
        limit=params.limit + 1,
    )
    has_more = len(rows) > params.limit
    lines = ",".join([source.line(row) for row in rows[: params.limit]])
    return (
        f'{{"object":"list","items":[{lines}],"has_more":{"true" if has_more else "false"}'
        f',"total":{int(item_count)},"limit":{params.limit}}}'
    ).encode()
