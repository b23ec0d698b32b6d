"""The API's list and retrieve of dataset items: from the driver's rows straight to JSON bytes.

A client pages through a large dataset 100 items at a time, so this is the hot read path: the
page's statement is built once per shape and run through the driver (`kit.driver_query`), and
each row becomes its JSON object with no ORM row, no datetime and no model in between. The
checks and the statement are the ones of `DatasetItemService.list`, which the UI reads through.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.dataset_item.repository import dataset_item_repository, listed_row_first
from yardstick.dataset_item.service import SORTABLE, dataset_item_service
from yardstick.kit.driver_query import DriverQuery
from yardstick.kit.driver_values import file_map, stamp
from yardstick.kit.pagination import PageParams, check_cursors, cut_page, page_query
from yardstick.kit.responses import identity_json
from yardstick.models import DatasetItemVersion


def item_object(row: Sequence[Any]) -> dict[str, Any]:
    """One row of `ItemRow`'s columns (what every item statement selects), as the driver gave
    it. Unpacked by position: a Row's attribute lookups cost more than the rest together."""
    _, item_id, dataset_id, data, content_hash, _, created, updated, creator, archived, files = row
    return {
        "object": "dataset.item",
        "id": item_id,
        "dataset_id": dataset_id,
        # Stored as JSON text already: spliced in, never parsed.
        "data": orjson.Fragment(data),
        "content_hash": content_hash,
        "created_at": stamp(created),
        "updated_at": stamp(updated),
        "created_by_user_id": creator,
        "created_by": identity_json(creator),
        "archived_at": stamp(archived),
        "files": file_map(files),
    }


def retrieve(
    session: Session,
    principal: Principal,
    item_id: str,
    *,
    version: int | None,
    include_archived: bool,
) -> bytes:
    row = dataset_item_service.get(
        session,
        principal,
        item_id,
        version=version,
        include_archived=include_archived,
        raw=True,
    )
    return orjson.dumps(item_object(row))


@cache
def _page(
    *, by_dataset: bool, at_version: bool, include_archived: bool, params: PageParams
) -> DriverQuery:
    """The page statement of one shape: which filters and cursors are given, the order."""

    def build() -> Any:
        stmt = dataset_item_repository.list_stmt(
            account_id="",
            dataset_id="" if by_dataset else None,
            version=0 if at_version else None,
            include_archived=include_archived,
        )
        return page_query(
            stmt,
            key=DatasetItemVersion.item_id,
            params=params,
            sortable=SORTABLE,
            cursor_row_order=listed_row_first(0 if at_version else None),
        )

    return DriverQuery(build)


def list_page(
    session: Session,
    principal: Principal,
    *,
    params: PageParams,
    dataset_id: str | None,
    version: int | None,
    include_archived: bool,
) -> bytes:
    """What `GET /v5/dataset-items` answers, rendered."""
    total = dataset_item_service.list_total(
        session,
        principal,
        dataset_id=dataset_id,
        version=version,
        include_archived=include_archived,
    )
    account_id = principal.account_id
    check_cursors(
        params,
        lambda cursor: dataset_item_repository.exists(
            session, account_id=account_id, item_id=cursor
        ),
    )
    if total is None:  # no dataset, or archived items too: counted (not the paging path)
        stmt = dataset_item_repository.list_stmt(
            account_id=account_id,
            dataset_id=dataset_id,
            version=version,
            include_archived=include_archived,
        )
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    # The shape alone keys the statement: placeholders stand for the values, given below.
    shape = PageParams(
        1,
        "" if params.starting_after is not None else None,
        "" if params.ending_before is not None else None,
        params.sort_order,
        params.sort_by if params.sort_by in SORTABLE else None,
    )
    query = _page(
        by_dataset=dataset_id is not None,
        at_version=version is not None,
        include_archived=include_archived,
        params=shape,
    )
    rows = query.rows(
        session,
        {
            "account_id": account_id,
            "dataset_id": dataset_id,
            "version": version,
            "starting_after": params.starting_after,
            "ending_before": params.ending_before,
            "page_rows": params.limit + 1,
        },
    )
    page = cut_page(list(rows), params, total)
    return orjson.dumps(page.envelope([item_object(row) for row in page.rows]))
