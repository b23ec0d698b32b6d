"""The columns of a CSV or Parquet export: an item row flattened to dot paths.

A row is the item as `GET /v5/evaluation-items/{id}` renders it. Its columns, in this order:

- `id`, `dataset_item_id`;
- `data.<key>[.<key>...]`: `data` (the input row with every task's result merged in under its
  alias) flattened. A key is flattened into its sub-keys when every row that has it holds an
  object there (or null); otherwise it is one column, and an object in it is written as JSON
  text. Lists are JSON text. Columns keep the order in which their keys first appear;
- `files.<column>`: the file id attached to the row under that column;
- per task alias, in task order: `task_result_statuses.<alias>`, `task_errors.<alias>.type`,
  `task_errors.<alias>.message`.

Keys are joined with `.` unescaped, so two paths can give one name (`{"a.b": 1}` and
`{"a": {"b": 2}}` both give `data.a.b`; so do a task alias `t` whose result holds `h` and an
input key `t.h`). Readers want unique names (pyarrow cannot read a Parquet file with two
columns of one name), so `collect` renames every later column of a name already taken to
`<name>~<n>`, n the smallest integer from 2 up that is no column's name (`data.a.b~2`). The
first column of a name keeps it, so an export without a collision keeps every name as it was.
The check is per column, once per export: the rows are read by path, never by name.

The `data` and `files` columns depend on every row, so a writer reads the rows twice: once to
`collect` the columns (memory grows with the number of distinct key paths, not of rows), once
to write. Each leaf column also learns the kinds of value it held, which gives Parquet its
types: only booleans → bool, only integers → int64, integers and floats → float64, anything
else (or only nulls) → text, written as in CSV.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, NamedTuple

import orjson

Kind = Literal["bool", "int", "float", "text"]
Row = dict[str, Any]

_INT64 = range(-(2**63), 2**63)


class Column(NamedTuple):
    name: str
    path: tuple[str, ...]  # where the value sits in the row: ("data", "x", "y")
    kind: Kind


class _Node:
    """What the rows held at one key path: objects (flatten it) and which other kinds."""

    __slots__ = ("children", "kinds", "objects")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.objects = False
        self.kinds: set[str] = set()

    def observe(self, value: Any) -> None:
        if isinstance(value, dict):
            self.objects = True
            for key, sub in value.items():
                child = self.children.get(key)
                if child is None:
                    child = self.children[key] = _Node()
                child.observe(sub)
        elif value is not None:
            self.kinds.add(_kind(value))

    def columns(self, path: tuple[str, ...]) -> Iterator[Column]:
        if self.objects and not self.kinds and self.children:
            for key, child in self.children.items():
                yield from child.columns((*path, key))
            return
        kinds = self.kinds | ({"json"} if self.objects else set())
        yield Column(".".join(path), path, _column_kind(kinds))


def _kind(value: Any) -> str:
    # bool before int: a bool is an int to Python. An integer beyond 64 bits is text.
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if value in _INT64 else "json"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "json"


def _column_kind(kinds: set[str]) -> Kind:
    if kinds == {"bool"}:
        return "bool"
    if kinds == {"int"}:
        return "int"
    if kinds and kinds <= {"int", "float"}:
        return "float"
    return "text"


def task_columns(aliases: Sequence[str]) -> list[Column]:
    out: list[Column] = []
    for alias in aliases:
        out.append(Column(f"task_result_statuses.{alias}", ("task_result_statuses", alias), "text"))
        for part in ("type", "message"):
            out.append(Column(f"task_errors.{alias}.{part}", ("task_errors", alias, part), "text"))
    return out


def collect(pages: Iterable[list[Row]], aliases: Sequence[str]) -> list[Column]:
    """Read every row once and return the export's columns."""
    data, files = _Node(), _Node()
    for page in pages:
        for row in page:
            data.observe(row["data"])
            files.observe(row["files"])
    return unique(
        [
            Column("id", ("id",), "text"),
            Column("dataset_item_id", ("dataset_item_id",), "text"),
            *(data.columns(("data",)) if data.children else ()),
            *(files.columns(("files",)) if files.children else ()),
            *task_columns(aliases),
        ]
    )


def unique(columns: list[Column]) -> list[Column]:
    """The columns, each later one of a name already taken renamed to `<name>~<n>`: n the
    smallest integer from 2 up that no column is named (neither an original name nor one given
    here). Columns whose names are unique come back unchanged, in the same list."""
    taken = {column.name for column in columns}
    if len(taken) == len(columns):
        return columns
    seen: set[str] = set()
    out: list[Column] = []
    for column in columns:
        if column.name in seen:
            n = 2
            while f"{column.name}~{n}" in taken:
                n += 1
            column = column._replace(name=f"{column.name}~{n}")
            taken.add(column.name)
        seen.add(column.name)
        out.append(column)
    return out


def value_at(row: Row, path: tuple[str, ...]) -> Any:
    """The value at `path`, or None where the row does not reach it."""
    value: Any = row
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text(value: Any) -> str | None:
    """A value as CSV writes it: strings as they are, anything else as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
