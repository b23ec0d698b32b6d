import csv
import io
from typing import Any

import httpx
import orjson
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]


def download(
    http: httpx.Client, evaluation_id: str, file_format: str, **params: Any
) -> httpx.Response:
    response = http.get(
        f"/v5/evaluations/{evaluation_id}/export", params={"format": file_format, **params}
    )
    assert response.status_code == 200, response.text
    return response


def jsonl_rows(content: bytes) -> list[dict[str, Any]]:
    assert content == b"" or content.endswith(b"\n")
    return [orjson.loads(line) for line in content.splitlines()]


def csv_table(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(content.decode("utf-8"), newline=""))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def parquet_table(content: bytes) -> pa.Table:
    return pq.read_table(pa.BufferReader(content))


def items_by_get(http: httpx.Client, evaluation_id: str) -> list[dict[str, Any]]:
    """Every item as `GET /v5/evaluation-items` renders it, in row order."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"evaluation_id": evaluation_id, "limit": 1000}
    while True:
        page = http.get("/v5/evaluation-items", params=params).raise_for_status().json()
        items.extend(page["items"])
        if not page["has_more"]:
            return items
        params["starting_after"] = items[-1]["id"]
