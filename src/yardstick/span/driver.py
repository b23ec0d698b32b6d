"""Statements of the span write path, sent to the driver as they are.

A write of 50 spans runs a handful of lookups by id and two executemanys. Through SQLAlchemy's
expression layer each lookup cost several times the database's own work (building the
statement, expanding its IN list, processing each row); here they are plain SQL strings and
tuples, written for both dialects, with SQLAlchemy's conversions applied where the column
needs one (timestamps).
"""

from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult

# Ids per IN list: well under SQLite's limit on a statement's parameters.
CHUNK = 1000
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def mark(connection: Connection) -> str:
    """The driver's parameter placeholder."""
    return _MARKS[connection.dialect.paramstyle]


def _run_in(
    connection: Connection, sql: str, account_id: str, ids: Collection[str]
) -> Iterator[CursorResult[Any]]:
    """`sql`, whose WHERE ends with `account_id = {m} AND <column> IN`, run for `ids` in
    chunks of CHUNK."""
    values = list(ids)
    placeholder = mark(connection)
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        marks = ", ".join([placeholder] * len(chunk))
        statement = sql.format(m=placeholder) + f" ({marks})"
        yield connection.exec_driver_sql(statement, (account_id, *chunk))


def select_in(
    connection: Connection, sql: str, account_id: str, ids: Collection[str]
) -> list[tuple[Any, ...]]:
    """The rows of a SELECT for `ids` (see `_run_in`)."""
    return [tuple(row) for result in _run_in(connection, sql, account_id, ids) for row in result]


def _naive_utc(value: datetime) -> datetime:
    # UtcDateTime's conversion: a value without a zone is UTC already.
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _sqlite_timestamp(value: datetime | None) -> str | None:
    # What SQLAlchemy's SQLite DATETIME stores of it: always with microseconds, so stored
    # timestamps compare as text in time order.
    if value is None:
        return None
    if value.tzinfo is UTC:
        # What every prepared span holds: its text without the "+00:00", at half the cost of
        # making a naive copy first (a span's write converts three of them).
        return value.isoformat(" ", "microseconds")[:26]
    return _naive_utc(value).isoformat(" ", "microseconds")


def _postgresql_timestamp(value: datetime | None) -> datetime | None:
    return None if value is None else _naive_utc(value)  # psycopg sends the datetime itself


def timestamp_param(connection: Connection) -> Callable[[datetime | None], Any]:
    """How a timestamp goes to the driver, as UtcDateTime columns store it."""
    return _sqlite_timestamp if connection.dialect.name == "sqlite" else _postgresql_timestamp
