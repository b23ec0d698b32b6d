"""Portable SQL filters over JSON columns."""

from typing import Any

from sqlalchemy import ColumnElement, Text, exists, func, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB, array


def tags_any(column: ColumnElement[Any], tags: list[str], dialect: str) -> ColumnElement[bool]:
    """The row's JSON list of tags holds at least one of `tags` (CONTRACT §6 row 14)."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).has_any(array(tags, type_=Text))  # type: ignore[no-any-return]
    values = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(values).where(values.c.value.in_(tags)))


