"""Parquet export: the CSV's columns with types, plus `data` as JSON text, streamed.

Schema: `id`, `dataset_item_id`, `data` (the merged row as JSON text: nothing that flattening
loses, such as `{}` against `null`, is lost here), then the columns of `columns.collect` with
the types it inferred (bool, int64, float64, or text written as in CSV). Strings are UTF-8,
compression is Snappy (pyarrow's default). Every name is unique, as pyarrow cannot read a file
with two columns of one name: `collect` renames colliding key paths (`columns.unique`), and
none of its names is `data` (past `id` and `dataset_item_id`, each starts `data.`, `files.`,
`task_result_statuses.` or `task_errors.`).

`ParquetWriter` writes each row group to a sink that only collects what it is given; after
every row group the collected bytes go out as one chunk and the sink is emptied, so memory
holds one row group (ROW_GROUP_ROWS rows, as Arrow columns) and the file's footer (a few
hundred bytes per row group), whatever the row count.
A value whose type differs from its column's (possible only when a running evaluation gains
results between the two reads) is null there; `data` still has it.
"""

import io
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from yardstick.export.columns import Column, Kind, collect, text, value_at
from yardstick.export.formats import Rows

ROW_GROUP_ROWS = 10_000

_TYPES: dict[Kind, pa.DataType] = {
    "bool": pa.bool_(),
    "int": pa.int64(),
    "float": pa.float64(),
    "text": pa.string(),
}


class _Sink(io.RawIOBase):
    """A write-only file that hands back, and forgets, what was written since the last drain."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        chunk = b"".join(self._parts)
        self._parts.clear()
        return chunk


def _typed(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "text":
        return text(value)
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if kind == "int":
        return value if isinstance(value, int) and -(2**63) <= value < 2**63 else None
    return float(value)


def _table(schema: pa.Schema, columns: list[Column], rows: list[dict[str, Any]]) -> pa.Table:
    arrays: list[pa.Array[Any]] = [
        pa.array([row["id"] for row in rows], pa.string()),
        pa.array([row["dataset_item_id"] for row in rows], pa.string()),
        pa.array([orjson.dumps(row["data"]).decode() for row in rows], pa.string()),
    ]
    for column in columns[2:]:
        values = [_typed(column.kind, value_at(row, column.path)) for row in rows]
        arrays.append(pa.array(values, _TYPES[column.kind]))
    return pa.Table.from_arrays(arrays, schema=schema)


def parquet_file(pages: Rows, aliases: Sequence[str]) -> Iterator[bytes]:
    columns = collect(pages(), aliases)
    fields = [pa.field(c.name, _TYPES[c.kind]) for c in columns]
    schema = pa.schema([*fields[:2], pa.field("data", pa.string()), *fields[2:]])
    sink = _Sink()
    # pyarrow-stubs type `where` as a path, IO or NativeFile; pyarrow takes any file-like object.
    with pq.ParquetWriter(sink, schema) as writer:  # type: ignore[arg-type]
        # Each page becomes Arrow columns at once (compact, unlike the parsed rows), and the
        # row group is written when enough pages are in.
        group: list[pa.Table] = []
        rows = 0
        for page in pages():
            group.append(_table(schema, columns, page))
            rows += len(page)
            if rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.concat_tables(group), row_group_size=rows)
                group, rows = [], 0
                yield sink.drain()
        if group:
            writer.write_table(pa.concat_tables(group), row_group_size=rows)
    yield sink.drain()
