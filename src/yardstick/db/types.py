"""Column types that mean the same thing on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Dialect, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored as naive UTC (SQLite has no zones) and always read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value  # the impl's (DateTime's) result processing made it a datetime
        return stored.replace(tzinfo=UTC)


# JSONB on PostgreSQL so tag filters can use `?|`; plain JSON text on SQLite.
JSONList = JSON().with_variant(JSONB(), "postgresql")


class JSONValue(TypeDecorator[Any]):
    """Any JSON value, bare numbers included.

    SQLite gives a column declared `JSON` NUMERIC affinity, so the JSON text `1` or `0.25` is
    stored as an SQL number, read back as one (which the JSON type cannot parse), and `1.0`
    comes back as `1` (sqlalchemy#5014). On SQLite this column is TEXT and the JSON is written
    and read here; PostgreSQL keeps its JSON type.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return None if value is None else orjson.dumps(value).decode()
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "sqlite" and isinstance(value, str):
            return orjson.loads(value)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)
