"""`GET /v5/evaluations/{id}/export?format=jsonl|csv|parquet`: the streamed download."""

import json
from typing import Any

import httpx
import orjson
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from scale_gp_beta import SGPClient

from tests.execution.helpers import chat_task, wait_until_done
from tests.export.conftest import ROWS, Finished, raw_task
from tests.export.helpers import csv_table, download, items_by_get, jsonl_rows, parquet_table
from tests.fixtures.server import ACCOUNT_B
from yardstick.export.repository import ALIASES_PER_JOIN

TASK_COLUMNS = [
    "task_result_statuses.answer",
    "task_errors.answer.type",
    "task_errors.answer.message",
    "task_result_statuses.raw",
    "task_errors.raw.type",
    "task_errors.raw.message",
]


def test_jsonl_rows_are_the_items_as_get_returns_them(
    finished: Finished, export_http: httpx.Client
) -> None:
    response = download(export_http, finished.evaluation_id, "jsonl")
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="evaluation-{finished.evaluation_id}.jsonl"'
    )
    rows = jsonl_rows(response.content)
    assert rows == items_by_get(export_http, finished.evaluation_id)

    first, second, third = rows
    assert first["data"]["answer"] == "echo: question 0"
    assert first["data"]["raw"]["choices"][0]["message"]["content"] == "echo: echo: question 0"
    assert first["data"]["meta"] == ROWS[0]["meta"]
    assert first["files"] == {"doc": finished.file_id}
    assert first["task_result_statuses"] == {"answer": "completed", "raw": "completed"}
    assert second["data"]["input"] == "ünïcode ✓"
    assert third["data"]["answer"] is None
    assert third["task_errors"]["answer"]["type"] == "ItemLocatorError"
    assert third["task_errors"]["raw"]["type"] == "UpstreamTaskError"
    assert third["task_result_statuses"] == {"answer": "errored", "raw": "errored"}
    for row in rows:
        assert {"id", "dataset_item_id", "task_errors", "data", "files"} <= set(row)


def test_csv_flattens_data_and_files_with_status_and_error_columns(
    finished: Finished, export_http: httpx.Client
) -> None:
    response = download(export_http, finished.evaluation_id, "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].endswith(
        f'evaluation-{finished.evaluation_id}.csv"'
    )
    header, rows = csv_table(response.content)
    items = items_by_get(export_http, finished.evaluation_id)

    # First-seen order: the input keys, the results merged after them, then a later row's key.
    assert header[:7] == [
        "id",
        "dataset_item_id",
        "data.input",
        "data.meta.level",
        "data.meta.tags",
        "data.note",
        "data.answer",
    ]
    raw_columns = [name for name in header if name.startswith("data.raw.")]
    assert "data.raw.choices" in raw_columns and "data.raw.usage.total_tokens" in raw_columns
    assert header[7 : 7 + len(raw_columns)] == raw_columns
    assert header[7 + len(raw_columns) :] == ["data.other", "files.doc", *TASK_COLUMNS]

    first, second, third = rows
    assert [row["id"] for row in rows] == [item["id"] for item in items]
    assert first["data.note"] == 'comma, "quote"\nline'  # quoted and back, newline and all
    assert first["data.meta.level"] == "1"
    assert json.loads(first["data.meta.tags"]) == ["a", "b"]
    assert first["data.answer"] == "echo: question 0"
    assert (
        json.loads(first["data.raw.choices"])[0]["message"]["content"] == "echo: echo: question 0"
    )
    assert first["files.doc"] == finished.file_id
    assert first["task_result_statuses.answer"] == "completed"
    assert first["task_errors.answer.type"] == ""
    assert second["data.input"] == "ünïcode ✓"
    assert second["data.meta.tags"] == "[]"
    assert second["data.note"] == "" and second["files.doc"] == ""
    assert third["data.input"] == "" and third["data.other"] == "no input here"
    assert third["task_result_statuses.answer"] == "errored"
    assert third["task_errors.answer.type"] == "ItemLocatorError"
    assert "item.input" in third["task_errors.answer.message"]
    assert third["task_errors.raw.type"] == "UpstreamTaskError"
    assert third["data.raw.choices"] == ""


def test_parquet_has_the_csv_columns_typed_and_data_as_json(
    finished: Finished, export_http: httpx.Client
) -> None:
    response = download(export_http, finished.evaluation_id, "parquet")
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert response.headers["content-disposition"].endswith(
        f'evaluation-{finished.evaluation_id}.parquet"'
    )
    table = parquet_table(response.content)
    csv_header, csv_rows = csv_table(download(export_http, finished.evaluation_id, "csv").content)
    assert table.column_names == [*csv_header[:2], "data", *csv_header[2:]]
    schema = table.schema
    assert schema.field("data.meta.level").type == pa.int64()
    assert schema.field("data.raw.usage.total_tokens").type == pa.int64()
    for name in ("id", "data", "data.input", "data.meta.tags", "data.raw.choices", *TASK_COLUMNS):
        assert schema.field(name).type == pa.string(), name

    rows = table.to_pylist()
    items = items_by_get(export_http, finished.evaluation_id)
    assert [orjson.loads(row["data"]) for row in rows] == [item["data"] for item in items]
    assert [row["data.meta.level"] for row in rows] == [1, 2, 3]
    assert rows[0]["data.note"] == 'comma, "quote"\nline'
    assert rows[1]["data.note"] is None  # null stays null in Parquet
    assert rows[0]["files.doc"] == finished.file_id
    assert rows[2]["task_errors.answer.type"] == "ItemLocatorError"
    # Text columns hold what the CSV holds.
    for row, csv_row in zip(rows, csv_rows, strict=True):
        for name in csv_header:
            value = row[name]
            if value is not None and not isinstance(value, str):
                value = orjson.dumps(value).decode()
            assert (value or "") == csv_row[name], name


def test_many_pages_keep_row_order(export_http: httpx.Client) -> None:
    count = 2345  # three keyset pages of 1,000
    data = [
        {"n": n, "half": n / 2, "flag": n % 2 == 0, "mixed": n if n % 3 else str(n)}
        for n in range(count)
    ]
    evaluation_id = export_http.post(
        "/v5/evaluations", json={"name": "pages", "data": data}
    ).json()["id"]

    rows = jsonl_rows(download(export_http, evaluation_id, "jsonl").content)
    assert [row["data"]["n"] for row in rows] == list(range(count))
    ids = [row["id"] for row in rows]
    assert ids == sorted(ids) and len(set(ids)) == count

    header, csv_rows = csv_table(download(export_http, evaluation_id, "csv").content)
    assert header == ["id", "dataset_item_id", "data.n", "data.half", "data.flag", "data.mixed"]
    assert [row["id"] for row in csv_rows] == ids
    assert csv_rows[2]["data.flag"] == "true" and csv_rows[3]["data.half"] == "1.5"

    table = parquet_table(download(export_http, evaluation_id, "parquet").content)
    assert table.num_rows == count
    assert table.column("id").to_pylist() == ids
    types = {
        name: table.schema.field(name).type
        for name in ("data.n", "data.half", "data.flag", "data.mixed")
    }
    assert types == {
        "data.n": pa.int64(),
        "data.half": pa.float64(),  # integers and floats: float64
        "data.flag": pa.bool_(),
        "data.mixed": pa.string(),  # integers and strings: text, as in CSV
    }
    assert table.column("data.mixed").to_pylist()[:4] == ["0", "1", "2", "3"]


def test_parquet_reads_back_when_key_paths_collide(
    export_http: httpx.Client, export_client: SGPClient
) -> None:
    # `{"a.b": ..}` and `{"a": {"b": ..}}` both flatten to `data.a.b`; the result of the task
    # `raw` (the whole response, with `usage.total_tokens`) and the input key
    # `raw.usage.total_tokens` both to `data.raw.usage.total_tokens`. Two columns of one name
    # made the Parquet file unreadable (pyarrow: "No match for FieldRef.Nested").
    data = [
        {"a.b": n, "a": {"b": 10 + n}, "raw.usage.total_tokens": f"in {n}", "answer": f"q {n}"}
        for n in range(3)
    ]
    body = {"name": "collide", "data": data, "tasks": [raw_task()]}
    evaluation_id = export_http.post("/v5/evaluations", json=body).raise_for_status().json()["id"]
    assert wait_until_done(export_client, evaluation_id).status == "completed"
    items = items_by_get(export_http, evaluation_id)
    assert [item["task_result_statuses"] for item in items] == [{"raw": "completed"}] * 3

    table = parquet_table(download(export_http, evaluation_id, "parquet").content)
    names = table.column_names
    assert len(set(names)) == len(names)
    assert names[:6] == [
        "id",
        "dataset_item_id",
        "data",
        "data.a.b",  # the first path keeps the name
        "data.a.b~2",
        "data.raw.usage.total_tokens",  # the input key comes before the result merged in
    ]
    assert "data.raw.usage.total_tokens~2" in names

    rows = table.to_pylist()
    assert [orjson.loads(row["data"]) for row in rows] == [item["data"] for item in items]
    assert [row["data.a.b"] for row in rows] == [0, 1, 2]
    assert [row["data.a.b~2"] for row in rows] == [10, 11, 12]
    assert [row["data.raw.usage.total_tokens"] for row in rows] == ["in 0", "in 1", "in 2"]
    tokens = [item["data"]["raw"]["usage"]["total_tokens"] for item in items]
    assert [row["data.raw.usage.total_tokens~2"] for row in rows] == tokens
    assert all(isinstance(count, int) for count in tokens)
    assert table.schema.field("data.raw.usage.total_tokens~2").type == pa.int64()

    # CSV names its columns by the same rule, and every cell holds the Parquet value's text.
    csv_header, csv_rows = csv_table(download(export_http, evaluation_id, "csv").content)
    assert names == [*csv_header[:2], "data", *csv_header[2:]]
    for row, csv_row in zip(rows, csv_rows, strict=True):
        for name in csv_header:
            value = row[name]
            if value is not None and not isinstance(value, str):
                value = orjson.dumps(value).decode()
            assert (value or "") == csv_row[name], name


def test_more_tasks_than_one_join_takes_are_all_read(
    export_http: httpx.Client, export_client: SGPClient
) -> None:
    # A page joins each task's cells to the items, and SQLite joins at most 64 tables: past
    # ALIASES_PER_JOIN tasks the page is nested. Row 0 completes every task, row 1 errors them.
    aliases = [f"t{n:02d}" for n in range(ALIASES_PER_JOIN + 5)]
    body = {
        "name": "wide",
        "data": [{"input": "hi"}, {"other": 1}],
        "tasks": [chat_task(alias) for alias in aliases],
    }
    evaluation_id = export_http.post("/v5/evaluations", json=body).raise_for_status().json()["id"]
    assert wait_until_done(export_client, evaluation_id).status == "completed"

    rows = jsonl_rows(download(export_http, evaluation_id, "jsonl").content)
    assert rows == items_by_get(export_http, evaluation_id)
    assert list(rows[0]["task_result_statuses"]) == aliases
    assert set(rows[0]["task_result_statuses"].values()) == {"completed"}
    assert list(rows[1]["task_errors"]) == aliases


def test_an_evaluation_without_items_renders_every_format() -> None:
    # Every create needs at least one row, so an empty file is only reachable through the
    # encoders; they are exercised directly.
    from yardstick.export.formats import encode

    def no_pages() -> Any:
        return iter(())

    assert b"".join(encode("jsonl", no_pages, [])) == b""
    assert b"".join(encode("json", no_pages, [])) == b"[]"
    assert b"".join(encode("csv", no_pages, ["a"])) == (
        b"id,dataset_item_id,task_result_statuses.a,task_errors.a.type,task_errors.a.message\r\n"
    )
    table = parquet_table(b"".join(encode("parquet", no_pages, [])))
    assert table.num_rows == 0 and table.column_names == ["id", "dataset_item_id", "data"]


def test_unknown_foreign_and_archived_evaluations_are_404(
    finished: Finished, export_http: httpx.Client
) -> None:
    assert export_http.get("/v5/evaluations/nope/export").status_code == 404
    other = {"x-api-key": finished.server.keys[ACCOUNT_B], "x-selected-account-id": ACCOUNT_B}
    foreign = export_http.get(f"/v5/evaluations/{finished.evaluation_id}/export", headers=other)
    assert foreign.status_code == 404

    evaluation_id = export_http.post(
        "/v5/evaluations", json={"name": "gone", "data": [{"a": 1}]}
    ).json()["id"]
    export_http.delete(f"/v5/evaluations/{evaluation_id}").raise_for_status()
    assert export_http.get(f"/v5/evaluations/{evaluation_id}/export").status_code == 404
    rows = jsonl_rows(
        download(export_http, evaluation_id, "jsonl", include_archived="true").content
    )
    assert [row["data"] for row in rows] == [{"a": 1}]
    assert rows[0]["archived_at"] is not None


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"format": "xml"}, ["query", "format"]),
        ({"format": "json"}, ["query", "format"]),  # json is the SGP route's; here it is jsonl
        ({"include_archived": "maybe"}, ["query", "include_archived"]),
    ],
)
def test_bad_query_is_422_naming_it(
    finished: Finished, export_http: httpx.Client, params: dict[str, str], loc: list[str]
) -> None:
    response = export_http.get(f"/v5/evaluations/{finished.evaluation_id}/export", params=params)
    assert response.status_code == 422
    assert [entry["loc"] for entry in response.json()["detail"]] == [loc]


def test_no_key_is_401(finished: Finished) -> None:
    response = httpx.get(
        f"{finished.server.base_url}/v5/evaluations/{finished.evaluation_id}/export"
    )
    assert response.status_code == 401
