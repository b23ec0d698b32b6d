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


def test_inline_envelope_escapes_the_file_chunk_by_chunk() -> None:
    chunks = [b'{"a":"quote \\" and \xe2\x9c\x93"}\n', b"line\twith\ttabs\r\n"]
    body = b"".join(inline("evaluation-x.jsonl", iter(chunks)))
    assert orjson.loads(body) == {
        "filename": "evaluation-x.jsonl",
        "content": b"".join(chunks).decode(),
        "signed_url": None,
    }
