"""The rows a widget query reads: the target's items, with one LEFT JOIN of `task_results` per
alias, or one alias's cells alone (see compiler.py), and each resolved column as SQL."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Numeric, Text, and_, case, null, type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from yardstick.evaluation_dashboard.catalog import Resolved
from yardstick.evaluation_dashboard.columns import (
    Col,
    constant_string,
    postgresql_col,
    sqlite_col,
)
from yardstick.models import EvaluationItem, TaskResult


@dataclass
class Rows:
    """The FROM of a query and the columns it reads, joining one cell table per alias."""

    dialect: str
    scope: list[str]
    cells_only: str | None  # the alias whose cells are the rows (the fast path), or None
    # With cells_only: the query reads only the cells' numbers, so cells without one can be
    # left out, and the partial index of (evaluation, alias, value_number) covers the query.
    numbers_only: bool = False
    items: FromClause = field(init=False)
    cells: dict[str, FromClause] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.items = EvaluationItem.__table__.alias("i")

    def cell(self, alias: str) -> FromClause:
        if alias not in self.cells:
            self.cells[alias] = TaskResult.__table__.alias(f"t{len(self.cells)}")
        return self.cells[alias]

    def col(self, column: Resolved) -> Col:
        if column.source == "evaluation":
            owner = (
                self.cell(self.cells_only).c.evaluation_id
                if self.cells_only
                else self.items.c.evaluation_id
            )
            return constant_string(owner)
        if column.source == "data":
            return self._col(self.items.c.data, column.path, is_json=False)
        if column.source == "row_identifier":
            return self._row_identifier(column)
        assert column.alias is not None
        cells = self.cell(column.alias)
        number = cells.c.value_number if not column.path else None
        return self._col(cells.c.value, column.path, is_json=True, number=number)

    def _row_identifier(self, column: Resolved) -> Col:
        """Each row's own evaluation's identifier column: rows of different members with equal
        keys then group together (never the fast path: the rows are the items)."""
        owner = self.items.c.evaluation_id
        members = [(owner == evaluation_id, self.col(key)) for evaluation_id, key in column.members]

        def pick(part: Callable[[Col], ColumnElement[Any]], kind: Any) -> ColumnElement[Any]:
            return type_coerce(case(*((when, part(c)) for when, c in members), else_=null()), kind)

        return Col(
            json=pick(lambda c: c.json, Text()),
            kind=pick(lambda c: c.kind, Text()),
            num=pick(lambda c: c.num, Float()),
            text=pick(lambda c: c.text, Text()),
            exact=pick(lambda c: c.exact, Numeric()),
        )

    def _col(
        self,
        document: Any,
        path: Sequence[str],
        *,
        is_json: bool,
        number: ColumnElement[Any] | None = None,
    ) -> Col:
        if self.dialect == "postgresql":
            return postgresql_col(document, path, is_json=is_json, number=number)
        return sqlite_col(document, path, number=number)

    def row_id(self) -> ColumnElement[Any]:
        if self.cells_only:
            return self.cell(self.cells_only).c.item_id
        return self.items.c.id

    def from_and_where(self) -> tuple[FromClause, ColumnElement[bool]]:
        def in_scope(column: Any) -> ColumnElement[bool]:
            if len(self.scope) == 1:
                return column == self.scope[0]  # type: ignore[no-any-return]
            return column.in_(self.scope)  # type: ignore[no-any-return]

        if self.cells_only:
            cells = self.cell(self.cells_only)
            where = and_(in_scope(cells.c.evaluation_id), cells.c.alias == self.cells_only)
            if self.numbers_only:
                where = and_(where, cells.c.value_number.isnot(None))
            return cells, where
        joined: FromClause = self.items
        for alias, cells in self.cells.items():
            joined = joined.outerjoin(
                cells, and_(cells.c.item_id == self.items.c.id, cells.c.alias == alias)
            )
        return joined, in_scope(self.items.c.evaluation_id)
