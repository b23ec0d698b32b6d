"""Keyset cursor pagination, the one implementation behind every list endpoint.

Ids are time-ordered (see `yardstick.ids`), so "creation order, then id" is simply id order, and
a page is one range scan on an indexed id column: `WHERE id > :cursor ORDER BY id LIMIT n+1`.
Never OFFSET: the cost of a page does not grow with its depth, and rows inserted while a client
pages never shift or repeat what it has already seen.

`ending_before` pages backwards: the query runs in the reverse order, takes the `limit` rows
nearest the cursor and turns them back into the requested order. `has_more` always speaks of
the direction of travel, which is how the official client's auto-pager reads it.

`sort_by` names another column to order by (each list says which it allows). The cursor is
still an id, as the client sends it: the page condition becomes the row-value comparison
`(column, id) > (column of the cursor row, cursor)`, with the cursor row's value read by a
scalar subquery, so deep pages stay one index range scan. Text sorts by code point on both
databases (yardstick.db.code_point). An unknown `sort_by` falls back to
creation order rather than failing, as SGP does. Where one key has several rows (a dataset item
keeps one per version), `cursor_row_order` ranks them so that the subquery reads the row the list
shows, not whichever comes first.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from yardstick.db.code_point import code_point_order
from yardstick.errors import BadRequest

DEFAULT_LIMIT = 100
MAX_LIMIT = 10000

SortOrder = Literal["asc", "desc"]


@dataclass(frozen=True)
class PageParams:
    limit: int
    starting_after: str | None
    ending_before: str | None
    sort_order: SortOrder
    sort_by: str | None = None


def _page_params(default_order: SortOrder) -> Callable[..., Awaitable[PageParams]]:
    # Async: it only reads the query, and a sync dependency would cost a thread-pool trip.
    async def dependency(
        limit: Annotated[
            int, Query(ge=1, description=f"Page size, at most {MAX_LIMIT}")
        ] = DEFAULT_LIMIT,
        starting_after: Annotated[str | None, Query()] = None,
        ending_before: Annotated[str | None, Query()] = None,
        sort_order: Annotated[SortOrder, Query()] = default_order,
        sort_by: Annotated[
            str | None, Query(description="Column to order by; unknown names keep creation order")
        ] = None,
    ) -> PageParams:
        # An empty cursor (`?starting_after=`, as a form or a template sends one) is none.
        return PageParams(
            min(limit, MAX_LIMIT),
            starting_after or None,
            ending_before or None,
            sort_order,
            sort_by,
        )

    return dependency


# Top-level resources list newest first; the items of a dataset or evaluation keep row order.
NewestFirst = Annotated[PageParams, Depends(_page_params("desc"))]
RowOrder = Annotated[PageParams, Depends(_page_params("asc"))]


T = TypeVar("T")


class ListOut(BaseModel, Generic[T]):
    """A page of a list (`Page.envelope`); each list names its own subclass, e.g. `DatasetList`."""

    object: Literal["list"]
    items: list[T]
    has_more: bool
    total: int
    limit: int


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    has_more: bool
    total: int
    limit: int

    def envelope(self, items: list[Any]) -> dict[str, Any]:
        return {
            "object": "list",
            "items": items,
            "has_more": self.has_more,
            "total": self.total,
            "limit": self.limit,
        }


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    key: SQLColumnExpression[str],
    params: PageParams,
    cursor_exists: Callable[[str], bool],
    total: int | None = None,
    sortable: Mapping[str, SQLColumnExpression[Any]] | None = None,
    cursor_row_order: Sequence[ColumnElement[Any]] = (),
) -> Page:
    """Run one page of `stmt` (already filtered to what the caller may see), ordered by `key`,
    or by `sortable[params.sort_by]` then `key`. Sortable columns must be NOT NULL.

    `key` must name one row of its table unless `cursor_row_order` is given: then the cursor's
    sort value is read from the first of its rows in that order."""
    check_cursors(params, cursor_exists)

    if total is None:
        total = (
            session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        )

    page_stmt = page_query(
        stmt, key=key, params=params, sortable=sortable, cursor_row_order=cursor_row_order
    )
    return cut_page(list(session.execute(page_stmt).all()), params, total)


class UnknownCursor(BadRequest):
    """A cursor that names no row the caller may list: a 400 naming the parameter."""

    def __init__(self, parameter: str, cursor: str) -> None:
        self.cursor = cursor
        super().__init__(f"{parameter}: unknown cursor {cursor!r}: no such item in this list")


def check_cursors(params: PageParams, cursor_exists: Callable[[str], bool]) -> None:
    """UnknownCursor (400) for a cursor that names no row the caller may list."""
    for name, cursor in (
        ("starting_after", params.starting_after),
        ("ending_before", params.ending_before),
    ):
        if cursor is not None and not cursor_exists(cursor):
            raise UnknownCursor(name, cursor)


def page_query(
    stmt: Select[Any],
    *,
    key: SQLColumnExpression[str],
    params: PageParams,
    sortable: Mapping[str, SQLColumnExpression[Any]] | None = None,
    cursor_row_order: Sequence[ColumnElement[Any]] = (),
) -> Select[Any]:
    """`stmt` narrowed to the page of `params` and ordered, `limit` + 1 rows (the one more
    tells `has_more`). The cursors and the row count are the bind parameters `starting_after`,
    `ending_before` and `page_rows`, holding `params`' values: the statement's shape depends
    on which are given, not on their values (`yardstick.kit.driver_query` reuses it)."""
    ascending = params.sort_order == "asc"
    backwards = params.ending_before is not None
    column = (sortable or {}).get(params.sort_by or "")
    if column is not None:
        column = code_point_order(column)  # text: the same order on PostgreSQL as on SQLite
    for name, cursor, after in (
        ("starting_after", params.starting_after, True),
        ("ending_before", params.ending_before, False),
    ):
        if cursor is not None:
            stmt = stmt.where(
                _beyond(
                    column,
                    key,
                    bindparam(name, cursor),
                    cursor_row_order,
                    forward=after == ascending,
                )
            )
    scan_ascending = ascending != backwards
    order = [key] if column is None else [column, key]
    return stmt.order_by(*(col.asc() if scan_ascending else col.desc() for col in order)).limit(
        bindparam("page_rows", params.limit + 1)
    )


def cut_page(rows: list[Any], params: PageParams, total: int) -> Page:
    """The page of `page_query`'s rows: the extra row dropped, in the requested order."""
    has_more = len(rows) > params.limit
    rows = rows[: params.limit]
    if params.ending_before is not None:
        rows.reverse()
    return Page(rows=rows, has_more=has_more, total=total, limit=params.limit)


def _beyond(
    column: SQLColumnExpression[Any] | None,
    key: SQLColumnExpression[str],
    cursor: BindParameter[str],
    cursor_row_order: Sequence[ColumnElement[Any]],
    *,
    forward: bool,
) -> ColumnElement[bool]:
    """Rows after (`forward`) or before the cursor row in (column, key) order, or key order."""
    if column is None:
        return key > cursor if forward else key < cursor
    cursor_row = select(column).where(key == cursor)
    if cursor_row_order:
        cursor_row = cursor_row.order_by(*cursor_row_order).limit(1)
    anchor = cursor_row.scalar_subquery()
    if forward:
        return or_(column > anchor, and_(column == anchor, key > cursor))
    return or_(column < anchor, and_(column == anchor, key < cursor))
