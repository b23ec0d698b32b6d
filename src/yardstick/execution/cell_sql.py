"""The engine's cell upsert, straight to the driver's executemany.

Through SQLAlchemy's ORM bulk path a group commit of cells cost more in Python than in the
database (per row: parameter dicts, compiled-parameter lists, the ORM's insert bookkeeping).
Here the rows go to the DB-API as tuples, after each column's bind processor (the one
SQLAlchemy would apply, so what is stored is the same: JSON text, naive UTC timestamps), and
the SQL is built once per dialect.
"""

import weakref
from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.orm import Session

from yardstick.models import TaskResult
from yardstick.models.task_result import CellRow

# The columns written, in tuple order; the first two are the key a replayed cell conflicts on.
COLUMNS = (
    "item_id",
    "alias",
    "evaluation_id",
    "status",
    "value",
    "error_type",
    "error_message",
    "details",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "attempts",
    "started_at",
    "finished_at",
)
_KEY = COLUMNS[:2]
_values = itemgetter(*COLUMNS)
_PARAM_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_Processor = Callable[[Any], Any]


@cache
def _upsert_sql(paramstyle: str) -> str:
    marks = ", ".join([_PARAM_MARKS[paramstyle]] * len(COLUMNS))
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS if name not in _KEY)
    return (
        f"INSERT INTO {TaskResult.__tablename__} ({', '.join(COLUMNS)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {updates}"
    )


def _processors(dialect: Dialect) -> list[tuple[int, _Processor]]:
    table = TaskResult.__table__
    found: list[tuple[int, _Processor]] = []
    for index, name in enumerate(COLUMNS):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((index, process))
    return found


# Per dialect (one per engine): the processors depend on the engine's JSON serializer.
_PROCESSORS: weakref.WeakKeyDictionary[Dialect, list[tuple[int, _Processor]]] = (
    weakref.WeakKeyDictionary()
)


def upsert_rows(session: Session, rows: Sequence[CellRow]) -> None:
    """Write `rows` in the session's transaction; a cell already stored is overwritten."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = _PROCESSORS.get(dialect)
    if processors is None:
        processors = _PROCESSORS[dialect] = _processors(dialect)
    tuples = []
    for row in rows:
        values = list(_values(row))
        for index, process in processors:
            values[index] = process(values[index])
        tuples.append(tuple(values))
    connection.exec_driver_sql(_upsert_sql(dialect.paramstyle), tuples)
