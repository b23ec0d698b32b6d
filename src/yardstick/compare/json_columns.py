"""Many rows read as a few lists: the database aggregates each column into one JSON array and
orjson parses it in C.

Fetched row by row, a million rows cost seconds in the driver and SQLAlchemy; aggregated, the
same rows cost what the database takes to read them plus a parse. The arrays of one query
follow the same scan, so element i of every list is one row (in no promised order).
"""

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Text, cast, func, select


def json_columns(
    connection: Connection, columns: Sequence[Any], where: ColumnElement[bool]
) -> list[list[Any]]:
    aggregate = func.json_group_array if connection.dialect.name == "sqlite" else func.json_agg
    stmt = select(*(cast(aggregate(column), Text) for column in columns)).where(where)
    row = connection.execute(stmt).one()
    if row[0] is None:  # PostgreSQL's json_agg of no rows
        return [[] for _ in columns]
    return [orjson.loads(text) for text in row]
