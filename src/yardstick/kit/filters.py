"""Portable SQL filters over JSON columns."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    SQLColumnExpression,
    Text,
    exists,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from yardstick.db.engine import FOLD_CASE


def tags_any(
    column: SQLColumnExpression[Any], tags: list[str], dialect: str
) -> ColumnElement[bool]:
    """The row's JSON list of tags holds at least one of `tags`."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).has_any(array(tags, type_=Text))  # type: ignore[no-any-return]
    values = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(values).where(values.c.value.in_(tags)))


class _Contains(FunctionElement[bool]):
    """`name_contains`'s test: (column, text, text as a LIKE pattern), compiled per dialect."""

    type = Boolean()
    inherit_cache = True


@compiles(_Contains)
def _contains_like(element: _Contains, compiler: Any, **kw: Any) -> str:
    column, _, pattern = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} ILIKE {pattern} ESCAPE '/'"


@compiles(_Contains, "sqlite")
def _contains_instr(element: _Contains, compiler: Any, **kw: Any) -> str:
    # Not LIKE: SQLite refuses a LIKE pattern over 50,000 bytes (a filter that long failed the
    # request). Folded as PostgreSQL's ILIKE folds, every letter, not only ASCII's.
    column, text, _ = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(instr({FOLD_CASE}({column}), {FOLD_CASE}({text})) > 0)"


def folded(value: Any, dialect: str) -> Any:
    """`value` lower-cased the same on both databases: every letter, as Python's `str.lower`
    (SQLite's own lower() folds ASCII letters only)."""
    return func.lower(value) if dialect == "postgresql" else getattr(func, FOLD_CASE)(value)


def name_contains(column: SQLColumnExpression[str], text: str) -> ColumnElement[bool]:
    """`name` filters match a case-insensitive substring (`%` and `_` are literal)."""
    pattern = "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return _Contains(column, literal(text, Text), literal(pattern, Text))


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
