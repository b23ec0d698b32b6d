"""Portable SQL filters over JSON columns."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    Text,
    exists,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, array


def tags_any(
    column: SQLColumnExpression[Any], tags: list[str], dialect: str
) -> ColumnElement[bool]:
    """The row's JSON list of tags holds at least one of `tags`."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).has_any(array(tags, type_=Text))  # type: ignore[no-any-return]
    values = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(values).where(values.c.value.in_(tags)))


def name_contains(column: SQLColumnExpression[str], text: str) -> ColumnElement[bool]:
    """`name` filters match a case-insensitive substring (`%` and `_` are literal)."""
    return column.icontains(text, autoescape=True)


def name_tags_archived(
    stmt: Select[Any],
    model: Any,
    *,
    name: str | None,
    tags: Sequence[str],
    include_archived: bool,
    dialect: str,
) -> Select[Any]:
    """The list filters datasets and evaluations share: name, any of the tags, live only."""
    if not include_archived:
        stmt = stmt.where(model.archived_at.is_(None))
    if name:
        stmt = stmt.where(name_contains(model.name, name))
    if tags:
        stmt = stmt.where(tags_any(model.tags, list(tags), dialect))
    return stmt
