"""Hot-path reads: a Core statement compiled once per dialect, run straight through the driver.

On a page of 100 items SQLAlchemy's work per execution (building the statement and its cache
key, a Row per row, the result processors that parse every timestamp and JSON column only for
the response to format them back) cost more than SQLite itself: ~1 ms of a ~2 ms page. Here
the statement is built once, with named bind parameters, and compiled once per dialect; each
run passes its values by name to `exec_driver_sql`, and rows come back as the driver makes
them: on SQLite timestamps and JSON columns as text, on PostgreSQL as datetimes and parsed JSON
(`yardstick.kit.driver_values` renders either).

Bind parameters the caller does not name keep the value the statement was built with (the
literals of a CASE, say). A parameter may be `expanding` (`IN :ids`): its statement is
compiled once per dialect and list length.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ClauseElement, Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler


def connection_of(source: Session | Connection) -> Connection:
    """The connection to read on: a session's (beginning its transaction), or the one given."""
    return source.connection() if isinstance(source, Session) else source


class _Compiled(NamedTuple):
    sql: str
    # Positional drivers (SQLite's qmark): the parameter names in order; None for named ones.
    order: tuple[str, ...] | None
    defaults: dict[str, Any]


class DriverQuery:
    """`build()`'s statement, run with `rows(session, values)`."""

    def __init__(self, build: Callable[[], ClauseElement], *, expanding: str | None = None) -> None:
        self._build = build
        self._expanding = expanding
        self._compiled: dict[tuple[str, int], _Compiled] = {}

    def rows(
        self,
        session: Session | Connection,
        values: Mapping[str, Any],
        items: Sequence[Any] = (),
    ) -> Sequence[Sequence[Any]]:
        """The rows for `values` (and `items` for the expanding parameter), as the driver
        gives them; in a session's transaction or on a connection of its own."""
        connection = connection_of(session)
        compiled = self._compile(connection.dialect, len(items), values)
        merged = {**compiled.defaults, **values}
        if self._expanding is not None:
            for index, item in enumerate(items, 1):
                merged[f"{self._expanding}_{index}"] = item
        params: Any = merged
        if compiled.order is not None:
            params = tuple([merged[name] for name in compiled.order])
        return connection.exec_driver_sql(compiled.sql, params).fetchall()

    def _compile(self, dialect: Dialect, length: int, values: Mapping[str, Any]) -> _Compiled:
        key = (dialect.name, length)
        found = self._compiled.get(key)
        if found is not None:
            return found
        compiled = self._build().compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        # Rendered for this length where a parameter expands: `IN (:ids_1, …, :ids_n)`.
        lengths = {self._expanding: [None] * length} if self._expanding is not None else {}
        state = compiled.construct_expanded_state({**values, **lengths})
        # A value left unnamed would be the first caller's for every later one: a statement
        # built from request values must name each (only literals such as a CASE's may stay).
        unnamed = [k for k, v in state.parameters.items() if k not in values and isinstance(v, str)]
        if unnamed:
            raise ValueError(f"bind parameters {unnamed} must be named by the caller")
        order = tuple(state.positiontup or ()) if compiled.positional else None
        found = _Compiled(state.statement, order, dict(state.parameters))
        self._compiled[key] = found  # a race compiles twice, to the same text
        return found
