"""The encoders on hand-made rows: CSV flattening rules, Parquet types and row groups, the
streamed SGP envelope."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from yardstick.export import parquet
from yardstick.export.columns import collect, unique
from yardstick.export.formats import Lines, encode, inline


def row(n: int, data: Any, files: dict[str, str] | None = None) -> str:
    return orjson.dumps(
        {
            "id": f"id-{n:05d}",
            "dataset_item_id": None,
            "data": data,
            "files": files or {},
            "task_result_statuses": {},
            "task_errors": {},
        }
    ).decode()


def pages_of(lines: list[str], size: int = 2) -> Lines:
    def pages() -> Iterator[list[str]]:
        for start in range(0, len(lines), size):
            yield lines[start : start + size]

    return pages


def csv_of(lines: list[str]) -> list[list[str]]:
    content = b"".join(encode("csv", pages_of(lines), [])).decode()
    return list(csv.reader(io.StringIO(content, newline="")))


def test_a_key_with_objects_and_nulls_is_flattened_one_with_scalars_is_not() -> None:
    table = csv_of(
        [
            row(0, {"m": {"a": 1, "b": {"c": True}}, "x": 1, "e": {}}),
            row(1, {"m": None, "x": {"y": 2}, "e": {}}, {"doc": "f-1"}),
            row(2, {"m": {"a": 3}, "x": [1, "two"]}),
        ]
    )
    assert table[0] == [
        "id",
        "dataset_item_id",
        "data.m.a",
        "data.m.b.c",
        "data.x",
        "data.e",
        "files.doc",
    ]
    assert table[1] == ["id-00000", "", "1", "true", "1", "{}", ""]
    assert table[2] == ["id-00001", "", "", "", '{"y":2}', "{}", "f-1"]
    assert table[3] == ["id-00002", "", "3", "", '[1,"two"]', "", ""]


@pytest.mark.parametrize(
    ("values", "arrow_type", "read_back"),
    [
        ([1, None, 3], pa.int64(), [1, None, 3]),
        ([1, 2.5, None], pa.float64(), [1.0, 2.5, None]),
        ([True, False, None], pa.bool_(), [True, False, None]),
        (["a", 1, True], pa.string(), ["a", "1", "true"]),
        ([2**63, 1, None], pa.string(), [str(2**63), "1", None]),  # beyond int64: text
        ([None, None, None], pa.string(), [None, None, None]),
        ([[1], {"k": "v"}, 2], pa.string(), ["[1]", '{"k":"v"}', "2"]),
    ],
)
def test_parquet_column_types(values: list[Any], arrow_type: Any, read_back: list[Any]) -> None:
    lines = [row(n, {"v": value}) for n, value in enumerate(values)]
    table = pq.read_table(pa.BufferReader(b"".join(encode("parquet", pages_of(lines), []))))
    assert table.schema.field("data.v").type == arrow_type
    assert table.column("data.v").to_pylist() == read_back
    assert [orjson.loads(text) for text in table.column("data").to_pylist()] == [
        {"v": v} for v in values
    ]


def test_parquet_streams_one_chunk_per_row_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 4)
    lines = [row(n, {"n": n, "s": f"text {n}"}) for n in range(10)]
    chunks = list(encode("parquet", pages_of(lines, size=2), []))
    # Header and first row group, a second row group, then the last group and the footer.
    assert len(chunks) == 3 and chunks[0].startswith(b"PAR1") and chunks[-1].endswith(b"PAR1")
    content = b"".join(chunks)
    assert pq.ParquetFile(pa.BufferReader(content)).num_row_groups == 3
    assert pq.read_table(pa.BufferReader(content)).column("data.n").to_pylist() == list(range(10))


def test_colliding_key_paths_get_unique_names_in_csv_and_parquet() -> None:
    # Four paths flatten to `data.a.b.c`: the first keeps the name, each later one takes the
    # next `~n` that no column has. `data.a.b~2` is a key's own name, so the second `data.a.b`
    # skips it.
    data = [
        {"a.b.c": 1, "a.b": {"c": 2}, "a": {"b": {"c": 3}, "b.c": 4}, "x.y": 5, "x": {"y": "s"}},
        {"a.b.c": 6, "a.b": {"c": None}, "a": {"b": {"c": 7}, "b.c": 8}, "x": {"y": "t"}},
    ]
    data[0]["a.b~2"] = "key"
    lines = [row(n, value) for n, value in enumerate(data)]
    names = [
        "data.a.b.c",
        "data.a.b.c~2",
        "data.a.b.c~3",
        "data.a.b.c~4",
        "data.x.y",
        "data.x.y~2",
        "data.a.b~2",
    ]
    columns = {  # every column's values, rows in order
        "data.a.b.c": [1, 6],
        "data.a.b.c~2": [2, None],
        "data.a.b.c~3": [3, 7],
        "data.a.b.c~4": [4, 8],
        "data.x.y": [5, None],
        "data.x.y~2": ["s", "t"],
        "data.a.b~2": ["key", None],
    }

    table = csv_of(lines)
    assert table[0] == ["id", "dataset_item_id", *names]
    assert [line[2:] for line in table[1:]] == [
        ["" if values[n] is None else str(values[n]) for values in columns.values()]
        for n in range(2)
    ]

    parquet_table = pq.read_table(pa.BufferReader(b"".join(encode("parquet", pages_of(lines), []))))
    assert parquet_table.column_names == ["id", "dataset_item_id", "data", *names]
    assert {name: parquet_table.column(name).to_pylist() for name in names} == columns
    assert parquet_table.schema.field("data.a.b.c~2").type == pa.int64()
    assert [orjson.loads(text) for text in parquet_table.column("data").to_pylist()] == data


def test_names_without_a_collision_are_the_same_columns() -> None:
    columns = collect([[orjson.loads(row(0, {"a": {"b": 1}, "a~2": 2}))]], ["t"])
    assert unique(columns) is columns
    assert [column.name for column in columns][2:4] == ["data.a.b", "data.a~2"]


def test_inline_envelope_escapes_the_file_chunk_by_chunk() -> None:
    chunks = [b'{"a":"quote \\" and \xe2\x9c\x93"}\n', b"line\twith\ttabs\r\n"]
    body = b"".join(inline("evaluation-x.jsonl", iter(chunks)))
    assert orjson.loads(body) == {
        "filename": "evaluation-x.jsonl",
        "content": b"".join(chunks).decode(),
        "signed_url": None,
    }
