"""`export`: every item of a 1,000,000-item evaluation downloaded over HTTP.

Set-up (not timed): a running server creates the evaluation through the API with its first row;
the other rows, and every row's cells, go straight into the database by bulk insert, as a
finished run would have left them. A row is an eval row of ~230 B (`input`, `expected_output`,
`category`) with two tasks: `answer` (a chat completion of ~170 B with usage details; 2 % of
them errored) and `bleu` (a float score; errored where `answer` is). Then, timed:

(a) `GET /v5/evaluations/{id}/export?format=jsonl` read by one httpx client to the last byte
    (rows counted, not parsed) → rows/s; the server's peak RSS during the download over its
    RSS before it (the peak is reset through /proc/PID/clear_refs first, read from VmHWM);
(b) the machine's own limit, in this process: the same pages read with the bare driver
    (sqlite3 / psycopg: the items' keyset page, then their cells) and each row merged and
    serialized with orjson → rows/s, and (a) as a share of it;
(c) the same download as CSV and as Parquet (two passes over the rows each: columns, then
    rows), for the record (no target).

BENCH_EXPORT_ITEMS overrides the row count (e.g. 100000 for a quick look).
"""

import os
import sqlite3
import threading
import time
from collections import defaultdict
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Self

import httpx
import orjson
import psycopg
from sqlalchemy import update

from bench.backend import Backend, conninfo, sqlite_path
from bench.ingest import WORDS
from bench.machine import OtherLoad
from bench.registry import benchmark
from bench.report import table
from bench.server import Server
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.ids import new_ids
from yardstick.kit.bulk import bulk_insert
from yardstick.models import Evaluation, EvaluationItem, TaskResult

ITEMS = int(os.environ.get("BENCH_EXPORT_ITEMS", "1000000"))
INSERT_BATCH = 20_000
PAGE = 1_000
TARGET_ROWS_PER_S = 50_000
TARGET_RSS_GROWTH_MB = 100.0

TASKS = [
    {
        "task_type": "chat_completion",
        "alias": "answer",
        "configuration": {
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "item.input"}],
        },
    },
    {
        "task_type": "metric",
        "alias": "bleu",
        "configuration": {
            "type": "bleu",
            "candidate": "item.answer",
            "reference": "item.expected_output",
        },
    },
]


def _text(seed: int, words: int) -> str:
    return " ".join(WORDS[(seed * 7 + j) % len(WORDS)] for j in range(words))


def make_row(i: int) -> str:
    return orjson.dumps(
        {
            "input": f"Question {i}: {_text(i % 97, 22)}",
            "expected_output": _text(i % 89, 8),
            "category": ("reasoning", "retrieval", "safety")[i % 3],
        }
    ).decode()


# --- set-up ---------------------------------------------------------------------------------


def create_evaluation(http: httpx.Client) -> tuple[str, str]:
    """The evaluation, through the API, with its first row and tasks that need no model."""
    body = {"name": "export", "data": [orjson.loads(make_row(0))]}
    evaluation_id: str = http.post("/v5/evaluations", json=body).raise_for_status().json()["id"]
    page = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id}).json()
    return evaluation_id, page["items"][0]["id"]


def _cells(item_id: str, evaluation_id: str, i: int, now: datetime) -> list[tuple[Any, ...]]:
    if i % 50 == 7:  # 2 %: the model call failed, and the metric that reads it
        return [
            (
                item_id,
                "answer",
                evaluation_id,
                "errored",
                None,
                "RateLimitError",
                "429 Too Many Requests after 5 attempts",
                None,
                61234.5,
                None,
                None,
                5,
                now,
                now,
            ),
            (
                item_id,
                "bleu",
                evaluation_id,
                "errored",
                None,
                "UpstreamTaskError",
                "task 'answer' failed on this item",
                None,
                None,
                None,
                None,
                1,
                now,
                now,
            ),
        ]
    answer = f"Answer {i}: {_text(i % 83, 24)}"
    details = {
        "usage": {"prompt_tokens": 31, "completion_tokens": 40, "total_tokens": 71},
        "finish_reason": "stop",
    }
    return [
        (
            item_id,
            "answer",
            evaluation_id,
            "completed",
            answer,
            None,
            None,
            details,
            812.0 + i % 400,
            31,
            40,
            1,
            now,
            now,
        ),
        (
            item_id,
            "bleu",
            evaluation_id,
            "completed",
            (i % 1000) / 1000,
            None,
            None,
            {"library": "nltk 3.10"},
            0.4,
            None,
            None,
            1,
            now,
            now,
        ),
    ]


CELL_COLUMNS = (
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
    "attempts",
    "started_at",
    "finished_at",
)
ITEM_COLUMNS = ("id", "account_id", "evaluation_id", "data", "files", "created_at")


def fill(database_url: str, account: str, evaluation_id: str, first_item: str) -> float:
    """Rows 1..N-1 and every row's cells, by bulk insert through the app's own column types
    (so they are stored exactly as the API and the engine store them); returns seconds."""
    started = time.perf_counter()
    sessions = SessionFactory(create_db_engine(database_url))
    now = datetime.now(UTC)
    ids = [first_item, *new_ids(ITEMS - 1)]
    for start in range(0, ITEMS, INSERT_BATCH):
        batch = range(start, min(start + INSERT_BATCH, ITEMS))
        with sessions.write() as session, session.begin():
            items = [(ids[i], account, evaluation_id, make_row(i), None, now) for i in batch if i]
            bulk_insert(session, EvaluationItem.__table__, ITEM_COLUMNS, items)  # type: ignore[arg-type]
            cells = [cell for i in batch for cell in _cells(ids[i], evaluation_id, i, now)]
            bulk_insert(session, TaskResult.__table__, CELL_COLUMNS, cells)  # type: ignore[arg-type]
    with sessions.write() as session, session.begin():
        session.execute(
            update(Evaluation)
            .where(Evaluation.id == evaluation_id)
            .values(tasks=TASKS, item_count=ITEMS)
        )
    sessions.engine.dispose()
    return time.perf_counter() - started


# --- measurement ----------------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


class Download(NamedTuple):
    rows: int
    size: int
    seconds: float
    server_cpu_s: float
    rss_before_mb: float
    peak_growth_mb: float


def download(server: Server, evaluation_id: str, file_format: str) -> Download:
    # Reset the peak (VmHWM) to the current RSS: the growth is then this download's alone.
    Path(f"/proc/{server.pid}/clear_refs").write_text("5")
    rss_before = _status_kb(server.pid, "VmRSS")
    cpu = server.cpu_seconds()
    rows = size = 0
    with httpx.Client(
        base_url=server.base_url, headers=server.headers, timeout=httpx.Timeout(60, read=None)
    ) as http:
        started = time.perf_counter()
        with http.stream(
            "GET", f"/v5/evaluations/{evaluation_id}/export", params={"format": file_format}
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(1 << 20):
                size += len(chunk)
                rows += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    peak = _status_kb(server.pid, "VmHWM")
    return Download(
        rows,
        size,
        seconds,
        server.cpu_seconds() - cpu,
        rss_before / 1024,
        (peak - rss_before) / 1024,
    )


def raw_limit(database_url: str, kind: str, evaluation_id: str) -> tuple[int, float]:
    """Rows/s of reading the same pages with the bare driver and serializing them with orjson."""
    mark = "?" if kind == "sqlite" else "%s"
    if kind == "sqlite":
        conn: Any = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
    else:
        conn = psycopg.connect(conninfo(database_url), autocommit=True)
    items_sql = (
        f"SELECT id, data, dataset_item_id FROM evaluation_items WHERE evaluation_id = {mark} "
        f"AND id > {mark} ORDER BY id LIMIT {PAGE}"
    )
    rows = 0
    started = time.perf_counter()
    after = ""
    while True:
        items = conn.execute(items_sql, (evaluation_id, after)).fetchall()
        if not items:
            break
        marks = ",".join([mark] * len(items))
        cells: dict[str, dict[str, Any]] = defaultdict(dict)
        for item_id, alias, status, value in conn.execute(
            f"SELECT item_id, alias, status, value FROM task_results WHERE item_id IN ({marks})",
            [item[0] for item in items],
        ):
            cells[item_id][alias] = orjson.loads(value) if isinstance(value, str) else value
        lines = []
        for item_id, data, dataset_item_id in items:
            merged = {**orjson.loads(data), **cells[item_id]}
            lines.append(
                orjson.dumps({"id": item_id, "dataset_item_id": dataset_item_id, "data": merged})
            )
        b"\n".join(lines)
        rows += len(items)
        after = items[-1][0]
    seconds = time.perf_counter() - started
    conn.close()
    return rows, seconds


class RssSampler:
    """RSS sampled every 50 ms, a cross-check of VmHWM."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@benchmark("export")
def run(backend: Backend) -> None:
    other = OtherLoad()
    database = backend.new_database("export")
    with Server(database, backend.tmp) as server:
        with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=120) as http:
            evaluation_id, first_item = create_evaluation(http)
        fill_s = fill(database, server.headers["x-selected-account-id"], evaluation_id, first_item)
        print(
            f"set-up: {ITEMS:,} items and {2 * ITEMS:,} cells inserted in {fill_s:.1f} s",
            flush=True,
        )
        rss_start = _status_kb(server.pid, "VmRSS") / 1024
        # Warm-up, not measured: every format once on a small evaluation (code paths, and
        # pyarrow's one-time import), then the big one as JSONL (the OS page cache).
        with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=120) as http:
            small, _ = create_evaluation(http)
        for file_format in ("jsonl", "csv", "parquet"):
            download(server, small, file_format)
        download(server, evaluation_id, "jsonl")
        print(
            f"server RSS {rss_start:.0f} MB at start, "
            f"{_status_kb(server.pid, 'VmRSS') / 1024:.0f} MB after the warm-up",
            flush=True,
        )

        results: dict[str, Download] = {}
        samples: dict[str, float] = {}
        for file_format in ("jsonl", "csv", "parquet"):
            timed = other.measure(server.cpu_seconds) if file_format == "jsonl" else nullcontext()
            with timed, RssSampler(server.pid) as sampler:
                results[file_format] = download(server, evaluation_id, file_format)
            samples[file_format] = sampler.peak_kb / 1024 - results[file_format].rss_before_mb
            print(f"{file_format}: {results[file_format]}", flush=True)
        with other.measure():
            raw_rows, raw_s = raw_limit(database, backend.kind, evaluation_id)

    jsonl = results["jsonl"]
    if jsonl.rows != ITEMS or raw_rows != ITEMS:
        raise RuntimeError(f"exported {jsonl.rows} / read {raw_rows} rows, expected {ITEMS}")
    rate = jsonl.rows / jsonl.seconds
    raw_rate = raw_rows / raw_s
    targets = backend.kind == "sqlite"

    def verdict(ok: bool) -> str:
        return ("yes" if ok else "NO") if targets else "n/a"

    print(
        f"{ITEMS:,} evaluation items x 2 tasks; database: {backend.kind}; "
        f"JSONL {jsonl.size / ITEMS:.0f} B per row ({jsonl.size / 1e6:,.0f} MB)"
    )
    print(
        table(
            ("figure", "value", "target" + ("" if targets else " (SQLite only)"), "met"),
            [
                (
                    "(a) JSONL download, rows/s",
                    f"{rate:,.0f}",
                    f">= {TARGET_ROWS_PER_S:,}",
                    verdict(rate >= TARGET_ROWS_PER_S),
                ),
                ("(a) JSONL download, seconds", f"{jsonl.seconds:.1f}", "", ""),
                (
                    "(a) server CPU per 1,000 rows, ms",
                    f"{jsonl.server_cpu_s / ITEMS * 1e6:.1f}",
                    "",
                    "",
                ),
                (
                    "(a) server peak RSS growth (VmHWM), MB",
                    f"{jsonl.peak_growth_mb:.1f}",
                    f"<= {TARGET_RSS_GROWTH_MB:g}",
                    verdict(jsonl.peak_growth_mb <= TARGET_RSS_GROWTH_MB),
                ),
                ("(a) same, sampled every 50 ms, MB", f"{samples['jsonl']:.1f}", "", ""),
                ("(a) server RSS before the download, MB", f"{jsonl.rss_before_mb:.0f}", "", ""),
                ("(b) bare driver + orjson in one process, rows/s", f"{raw_rate:,.0f}", "", ""),
                ("(b) download / bare", f"{rate / raw_rate:.0%}", "", ""),
                *[
                    (
                        f"(c) {name.upper()} download: rows/s, s, peak RSS growth MB",
                        (
                            f"{ITEMS / results[name].seconds:,.0f}, {results[name].seconds:.1f}, "
                            f"{results[name].peak_growth_mb:.1f}"
                        ),
                        "",
                        "",
                    )
                    for name in ("csv", "parquet")
                ],
            ],
        )
    )
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the timed phases"
    )
