"""Reads for export: one statement a page, each item with its cells beside it in one flat row.

The page is the keyset range after an item id: one range scan of the (evaluation_id, id)
index, however deep the page, and each task's cell by the primary key (item_id, alias): a LEFT
JOIN per task, where a missing cell is a pending one. One flat row per item, not a row per
cell, so nothing is grouped in Python. JSON columns and the timestamp come back as their stored
text (`CAST(... AS TEXT)` on both dialects), so rows are rendered without parsing them (see
`rows`).
"""

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Select,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler

from yardstick.evaluation_item.schemas import HAS_VALUE
from yardstick.kit.driver_query import connection_of
from yardstick.models import EvaluationItem, TaskResult

I = EvaluationItem

# A row: the item's columns, then CELL_WIDTH columns for each alias, in task order.
Row = tuple[Any, ...]
ITEM_ID: Final = 0
DATA: Final = 1
DATASET_ITEM_ID: Final = 2
VERSION: Final = 3
CREATED_AT: Final = 4  # stored text
FILES: Final = 5  # stored JSON text
REPEAT: Final = 6
ROW_ITEM_ID: Final = 7
ITEM_WIDTH: Final = 8
# An alias's columns, all None where the item has no cell for it: status, result (the value's
# JSON text where the status has one, else "null"), error type, error message, details (stored
# JSON text), latency ms, attempts.
CELL_WIDTH: Final = 7

# SQLite joins at most 64 tables in one SELECT: past this many aliases, the page is wrapped in
# a subquery and that is joined to the next ones (~1 µs a row more, so only then).
ALIASES_PER_JOIN: Final = 60


_ITEM_COLUMNS: tuple[Any, ...] = (
    I.id,
    I.data,
    I.dataset_item_id,
    I.dataset_item_version_num,
    cast(I.created_at, Text),
    cast(I.files, Text),
    I.repeat,
    I.row_item_id,
)


def _cell_columns(cell: Any) -> list[Any]:
    # OR, not IN: an IN list is expanded only when SQLAlchemy executes the statement itself.
    has_value = or_(*(cell.status == status for status in sorted(HAS_VALUE)))
    result = case((has_value, cast(cell.value, Text)))
    return [
        cell.status,
        func.coalesce(result, literal("null", Text)),
        cell.error_type,
        cell.error_message,
        cast(cell.details, Text),
        cell.latency_ms,
        cell.attempts,
    ]


def page_statement(
    aliases: Sequence[str], where: Sequence[ColumnElement[bool]] = ()
) -> Select[Any]:
    """The items after `:after` of `:evaluation_id`, at most `:limit`, in id order, each with
    the cells of `aliases` (columns as listed above); only those that meet every condition of
    `where` (conditions on `EvaluationItem`, such as the web UI's filters), when given."""
    after = bindparam("after", type_=String)
    stmt: Select[Any] = (
        select(*_ITEM_COLUMNS)
        .where(I.evaluation_id == bindparam("evaluation_id"), I.id > after, *where)
        .order_by(I.id)
        .limit(bindparam("limit"))
    )
    item_id: Any = I.id
    for start in range(0, len(aliases), ALIASES_PER_JOIN):
        if start:
            page = stmt.subquery(f"p{start}")
            stmt = select(*page.c).order_by(page.c[ITEM_ID])
            item_id = page.c[ITEM_ID]
        columns: list[Any] = []
        for k, alias in enumerate(aliases[start : start + ALIASES_PER_JOIN], start):
            cell = aliased(TaskResult, name=f"c{k}")
            # `item_id > :after` is implied by the join; spelled out, it lets PostgreSQL start
            # a merge join's scan of the cells at the page instead of at the first item.
            on = and_(cell.item_id == item_id, cell.alias == alias, cell.item_id > after)
            stmt = stmt.outerjoin(cell, on)
            # Labelled, so a wrapping subquery keeps every alias's `status` apart.
            columns += [column.label(f"c{k}_{n}") for n, column in enumerate(_cell_columns(cell))]
        stmt = stmt.add_columns(*columns)
    return stmt


class PageQuery:
    """`page_statement`, compiled once for the export and run with the DB-API cursor.

    Export reads every row of an evaluation; SQLAlchemy's result rows, and compiling the
    statement for every page, cost more than the query itself. The statement is still built
    and compiled by SQLAlchemy for the dialect, so it is the same on both.
    """

    def __init__(
        self,
        dialect: Dialect,
        aliases: Sequence[str],
        where: Sequence[ColumnElement[bool]] = (),
    ) -> None:
        # Expanded: an IN list in `where` becomes its plain parameters here, since the statement
        # runs on the DB-API cursor, not through SQLAlchemy. Expanding needs a value for every
        # parameter: these stand in for the page's own (`rows`).
        stmt = page_statement(aliases, where).params(evaluation_id="", after="", limit=0)
        compiled = stmt.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        expanded = compiled.construct_expanded_state()
        self._sql = expanded.statement
        self._params: dict[str, Any] = dict(expanded.parameters)
        self._order = list(expanded.positiontup or ()) if compiled.positional else None

    def rows(
        self, session: Session | Connection, *, evaluation_id: str, after: str, limit: int
    ) -> Sequence[Row]:
        """The page after the id `after` ("" for the first page), in one `fetchall`: no Python
        call per row. In the session's or the connection's transaction, begun already."""
        values = {**self._params, "evaluation_id": evaluation_id, "after": after, "limit": limit}
        params: Any = values if self._order is None else tuple(values[n] for n in self._order)
        cursor = connection_of(session).connection.cursor()
        try:
            cursor.execute(self._sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()
