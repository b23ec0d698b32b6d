"""`ingest`: bulk item ingest through the API against the raw driver, then keyset paging.

Each figure and the machine's limit it is compared with are measured in ROUNDS alternated
parts, so both meet the same machine: the VMs these run on have moved by up to 3x from one
minute to the next, which made a limit measured minutes before or after its figure misleading.

(a) 1,000,000 items of ~1 KB through `POST /v5/dataset-items/batch`, 1,000 per request, from
    one sequential httpx client (keep-alive, bodies serialized before the clock starts) →
    items/s. A million, so that (c) pages at both ends of a million items; the bench process
    holds ~10 GB at its peak.
(b) The same rows into `dataset_item_versions` of a second, freshly migrated database of the same
    kind with the bare driver (sqlite3 / psycopg `executemany`), one transaction per 1,000 rows
    → the raw rate, and API/raw, overall and in each round (a quarter of (a), then a quarter
    of (b)). On SQLite the raw connection checkpoints the WAL inside its commits, as SQLite does by
    default; the server checkpoints on a thread of its own (`yardstick.db.checkpointer`), which
    is part of what (a) measures.
(c) `GET /v5/dataset-items?dataset_id=…&limit=100&starting_after=…` for 200 pages from the start
    and 200 pages up to the end, each request timed on the client → p50/p99 per page, and the
    server's CPU per page; the same for `GET /v5/evaluation-items?evaluation_id=…` over an
    evaluation of as many items (three cells each, written through the driver:
    `bench.big_evaluation`). Between each round's pages, as many requests to an HTTP server that
    does nothing but answer as many bytes as a page (`bench.empty_server`): the page's floor,
    its p50 and the CPU it costs to send that answer, and what the page costs beyond it.
(d) The round trip of that server answering 16 bytes, from the same keep-alive client, and
    `/health` (a route that reads the database).
"""

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx
import orjson
import psycopg
from sqlalchemy import Engine

from bench import big_evaluation
from bench.backend import Backend, conninfo, sqlite_path
from bench.big_evaluation import Database, Run
from bench.empty_server import EmptyServer
from bench.machine import OtherLoad, own_seconds
from bench.registry import benchmark
from bench.report import percentile, table
from bench.server import ACCOUNT, Server
from yardstick.db.engine import create_db_engine
from yardstick.db.migrate import migrate
from yardstick.ids import new_id, new_ids

ITEMS = 1_000_000
BATCH = 1_000
PAGE = 100
PAGES = 200  # measured at each end
WARMUP_PAGES = 5

FLOOR_REQUESTS = 2_000
# Parts of (a)/(b) and of (c)/its floor alternated (see the module's docstring).
ROUNDS = 4

# Targets from the issue; they are set for SQLite on a 2-core machine, except that ingest has
# its own target on PostgreSQL.
TARGET_ITEMS_PER_S = 40_000
TARGET_ITEMS_PER_S_POSTGRES = 20_000
TARGET_RAW_SHARE = 0.45
TARGET_PAGE_P50_MS = 3.0
TARGET_PAGE_CPU_MS = 1.5


# The vocabulary of the rows the benchmarks write (ingest, export): deterministic prose.
WORDS = [
    "the",
    "model",
    "should",
    "answer",
    "with",
    "a",
    "short",
    "justification",
    "citing",
    "the",
    "context",
    "passage",
    "and",
    "avoid",
    "speculation",
    "when",
    "the",
    "evidence",
    "is",
    "weak",
    "or",
    "contradictory",
    "across",
    "sources",
]


def make_rows(count: int) -> list[bytes]:
    """`count` distinct, deterministic JSON objects of about 1 KB, the shape of an eval row."""
    inputs = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(80)) for i in range(97)]
    outputs = [" ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(45)) for i in range(89)]
    rows = []
    for i in range(count):
        rows.append(
            orjson.dumps(
                {
                    "input": f"Question {i}: {inputs[i % 97]}",
                    "expected_output": outputs[i % 89],
                    "metadata": {
                        "source": "bench",
                        "index": i,
                        "difficulty": ("easy", "medium", "hard")[i % 3],
                        "tags": ["qa", f"shard-{i % 16}"],
                        "score": (i % 1000) / 1000,
                    },
                }
            )
        )
    return rows


def batch_bodies(dataset_id: str, rows: list[bytes]) -> list[bytes]:
    head = b'{"dataset_id":' + orjson.dumps(dataset_id) + b',"data":['
    return [head + b",".join(rows[i : i + BATCH]) + b"]}" for i in range(0, len(rows), BATCH)]


class ApiIngest:
    """(a): the bodies POSTed in order, a range of them at a time."""

    def __init__(self, http: httpx.Client, bodies: list[bytes], want: set[int]) -> None:
        self.http = http
        self.bodies = bodies
        self.want = want  # item indexes whose ids are kept, for the paging cursors
        self.seconds = 0.0
        self.batch_ms: list[float] = []
        self._kept: dict[int, bytes] = {}

    def send(self, numbers: range) -> float:
        """POST bodies `numbers`; their seconds."""
        start = time.perf_counter()
        for number in numbers:
            t0 = time.perf_counter()
            response = self.http.post("/v5/dataset-items/batch", content=self.bodies[number])
            self.batch_ms.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"batch {number}: {response.status_code} {response.text[:500]}")
            if any(number * BATCH <= index < (number + 1) * BATCH for index in self.want):
                self._kept[number] = response.content
        seconds = time.perf_counter() - start
        self.seconds += seconds
        return seconds

    def ids_at(self) -> dict[int, str]:
        """Item index → id, for the indexes in `want`."""
        out = {}
        for index in self.want:
            items = orjson.loads(self._kept[index // BATCH])["items"]
            if len(items) != BATCH:
                raise RuntimeError(f"a batch returned {len(items)} items")
            out[index] = items[index % BATCH]["id"]
        return out


def _raw_rows(rows: list[bytes], dataset_id: str, sqlite: bool) -> list[tuple[Any, ...]]:
    """The rows as the server writes them: same columns, hash, id scheme and timestamp storage."""
    now = datetime.now(UTC).replace(tzinfo=None)
    stamp: Any = now.isoformat(sep=" ", timespec="microseconds") if sqlite else now
    out = []
    for row in rows:
        canonical = orjson.dumps(orjson.loads(row), option=orjson.OPT_SORT_KEYS)
        out.append(
            (
                new_id(),
                ACCOUNT,
                dataset_id,
                row.decode(),
                hashlib.sha256(canonical).hexdigest(),
                2,
                None,
                stamp,
                stamp,
                "raw",
                None,
            )
        )
    return out


_RAW_COLUMNS = (
    "item_id, account_id, dataset_id, data, content_hash, version_from, version_to, "
    "created_at, updated_at, created_by_user_id, archived_at"
)
_RAW_SQLITE = f"INSERT INTO dataset_item_versions ({_RAW_COLUMNS}) VALUES ({', '.join('?' * 11)})"
_RAW_POSTGRESQL = (
    f"INSERT INTO dataset_item_versions ({_RAW_COLUMNS}) VALUES ({', '.join(['%s'] * 11)})"
)


class RawIngest:
    """(b): the rows with the bare driver into a freshly migrated database, one transaction per
    batch, a range of batches at a time."""

    def __init__(self, database_url: str, kind: str, rows: list[bytes]) -> None:
        engine: Engine = create_db_engine(database_url)
        migrate(engine)
        engine.dispose()
        self.params = _raw_rows(rows, new_id(), kind == "sqlite")
        self.seconds = 0.0
        self._sqlite: sqlite3.Connection | None = None
        self._postgresql: psycopg.Connection[Any] | None = None
        if kind == "sqlite":
            self._sqlite = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
            # The server's settings (yardstick.db.engine), so only the layers above the driver
            # differ; its checkpoints are SQLite's default, in the commits (see the docstring).
            self._sqlite.execute("PRAGMA journal_mode=WAL")
            self._sqlite.execute("PRAGMA synchronous=NORMAL")
        else:
            self._postgresql = psycopg.connect(conninfo(database_url))

    def insert(self, numbers: range) -> float:
        """Insert batches `numbers`; their seconds."""
        start = time.perf_counter()
        for number in numbers:
            batch = self.params[number * BATCH : (number + 1) * BATCH]
            if self._sqlite is not None:
                self._sqlite.execute("BEGIN IMMEDIATE")
                self._sqlite.executemany(_RAW_SQLITE, batch)
                self._sqlite.execute("COMMIT")
            else:
                assert self._postgresql is not None
                with self._postgresql.transaction(), self._postgresql.cursor() as cur:
                    cur.executemany(_RAW_POSTGRESQL, batch)
        seconds = time.perf_counter() - start
        self.seconds += seconds
        return seconds

    def close(self) -> None:
        for conn in (self._sqlite, self._postgresql):
            if conn is not None:
                conn.close()


class PageRun(NamedTuple):
    ms: list[float]
    items: int
    total: int
    has_more: bool
    cursor: str | None  # the last id seen, to go on from


def joined(runs: list[PageRun]) -> PageRun:
    """Consecutive runs as one."""
    last = runs[-1]
    ms = [each for run in runs for each in run.ms]
    return PageRun(ms, sum(run.items for run in runs), last.total, last.has_more, last.cursor)


def page_through(
    http: httpx.Client, list_of: tuple[str, str, str], cursor: str | None, pages: int
) -> PageRun:
    """`pages` keyset pages after `cursor` (from the start when None), each timed alone;
    `list_of`: the list's path, its parent's query parameter and the parent's id."""
    path, parent, parent_id = list_of
    ms = []
    items = 0
    body: dict[str, Any] = {}
    for _ in range(pages):
        params: dict[str, Any] = {parent: parent_id, "limit": PAGE}
        if cursor is not None:
            params["starting_after"] = cursor
        t0 = time.perf_counter()
        response = http.get(path, params=params)
        ms.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"page: {response.status_code} {response.text[:500]}")
        body = orjson.loads(response.content)
        items += len(body["items"])
        if not body["items"]:
            break
        cursor = body["items"][-1]["id"]
    return PageRun(ms, items, body.get("total", -1), bool(body.get("has_more")), cursor)


def create_dataset(http: httpx.Client) -> str:
    """An empty dataset: created with the one item the API requires, which is then deleted."""
    response = http.post("/v5/datasets", json={"name": "bench", "data": [{"seed": True}]})
    response.raise_for_status()
    dataset_id: str = response.json()["id"]
    seed = http.get("/v5/dataset-items", params={"dataset_id": dataset_id}).json()["items"][0]
    http.delete(f"/v5/dataset-items/{seed['id']}").raise_for_status()
    return dataset_id


class Floor(NamedTuple):
    ms: list[float]
    cpu_ms: float  # the serving process's CPU per request


def round_trips(
    http: httpx.Client,
    url: str,
    cpu: Callable[[], float],
    requests: int = FLOOR_REQUESTS,
    warmup: int = 20,
) -> Floor:
    """`requests` GETs of `url`, each timed alone, after `warmup` untimed."""
    for _ in range(warmup):
        http.get(url)
    ms = []
    before = cpu()
    for _ in range(requests):
        t0 = time.perf_counter()
        http.get(url).raise_for_status()
        ms.append((time.perf_counter() - t0) * 1000)
    return Floor(ms, (cpu() - before) * 1000 / requests)


def load_evaluation(server: Server, kind: str) -> tuple[str, list[str]]:
    """An evaluation of ITEMS items, three cells each, written through the driver."""
    (evaluation_id,) = new_ids(1)
    item_ids = new_ids(ITEMS)
    db = Database(server.database_url, kind)
    try:
        big_evaluation.load(db, Run(evaluation_id, ITEMS, item_id=item_ids.__getitem__))
        db.analyze()
    finally:
        db.close()
    return evaluation_id, item_ids


class Paging(NamedTuple):
    start: PageRun
    end: PageRun
    cpu_ms: float  # server CPU per page
    page_bytes: int  # of a page's answer
    floor: Floor  # an empty server answering as many bytes, between the pages


def page_both_ends(
    server: Server,
    http: httpx.Client,
    list_of: tuple[str, str, str],
    end_cursor: str,
    other: OtherLoad,
) -> Paging:
    """PAGES pages from the start and PAGES up to the end, in ROUNDS parts, each part followed
    by as many requests to an empty server that answers a page's bytes."""
    path, parent, parent_id = list_of
    page_bytes = 0
    for _ in range(WARMUP_PAGES):
        page_bytes = len(http.get(path, params={parent: parent_id, "limit": PAGE}).content)
    per_round = PAGES // ROUNDS
    starts: list[PageRun] = []
    ends: list[PageRun] = []
    floors: list[Floor] = []
    cursors: tuple[str | None, str | None] = (None, end_cursor)
    page_cpu = 0.0
    with EmptyServer(page_bytes) as empty, httpx.Client(base_url=empty.base_url) as bare:
        for _ in range(WARMUP_PAGES):
            bare.get("/")
        for _ in range(ROUNDS):
            cpu = server.cpu_seconds()
            with other.measure(server.cpu_seconds):
                starts.append(page_through(http, list_of, cursors[0], per_round))
                ends.append(page_through(http, list_of, cursors[1], per_round))
            page_cpu += server.cpu_seconds() - cpu
            cursors = (starts[-1].cursor, ends[-1].cursor)
            floors.append(round_trips(bare, "/", empty.cpu_seconds, 2 * per_round, warmup=0))
    start, end = joined(starts), joined(ends)
    if start.total != ITEMS or start.items != PAGES * PAGE or not start.has_more:
        raise RuntimeError(f"unexpected pages at the start of {path}: {start}")
    if end.items != PAGES * PAGE or end.has_more:
        raise RuntimeError(f"unexpected pages at the end of {path}: {end}")
    floor = Floor(
        [each for part in floors for each in part.ms],
        sum(part.cpu_ms for part in floors) / len(floors),
    )
    return Paging(start, end, page_cpu * 1000 / (len(start.ms) + len(end.ms)), page_bytes, floor)


@benchmark("ingest")
def run(backend: Backend) -> None:
    rows = make_rows(ITEMS)
    mean_bytes = sum(map(len, rows)) / len(rows)
    end_cursor_index = ITEMS - PAGES * PAGE - 1  # the item just before the last 200 pages
    other = OtherLoad()
    raw = RawIngest(backend.new_database("raw"), backend.kind, rows)
    with Server(backend.new_database("server"), backend.tmp) as server:
        print(f"server pid {server.pid} on {backend.kind}, log {server.log_path}", flush=True)
        headers = {**server.headers, "content-type": "application/json"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as http:
            dataset_id = create_dataset(http)
            bodies = batch_bodies(dataset_id, rows)
            ingest = ApiIngest(http, bodies, {end_cursor_index})
            ingest_cpu = client_cpu = 0.0
            shares = []  # API / raw in each round
            per_round = len(bodies) // ROUNDS
            for k in range(ROUNDS):
                numbers = range(
                    k * per_round, len(bodies) if k == ROUNDS - 1 else (k + 1) * per_round
                )
                cpu, own = server.cpu_seconds(), own_seconds()
                with other.measure(server.cpu_seconds):
                    api_seconds = ingest.send(numbers)
                ingest_cpu += server.cpu_seconds() - cpu
                client_cpu += own_seconds() - own
                with other.measure():
                    shares.append(raw.insert(numbers) / api_seconds)
            raw.close()
            items = page_both_ends(
                server,
                http,
                ("/v5/dataset-items", "dataset_id", dataset_id),
                ingest.ids_at()[end_cursor_index],
                other,
            )
            evaluation_id, evaluation_items = load_evaluation(server, backend.kind)
            cells = page_both_ends(
                server,
                http,
                ("/v5/evaluation-items", "evaluation_id", evaluation_id),
                evaluation_items[end_cursor_index],
                other,
            )
            health = round_trips(http, "/health", server.cpu_seconds)
        with EmptyServer() as empty, httpx.Client(base_url=empty.base_url) as bare:
            floor = round_trips(bare, "/", empty.cpu_seconds)

    api_rate = ITEMS / ingest.seconds
    raw_rate = ITEMS / raw.seconds
    targets = backend.kind == "sqlite"
    ingest_target = TARGET_ITEMS_PER_S if targets else TARGET_ITEMS_PER_S_POSTGRES

    def verdict(ok: bool) -> str:
        return ("yes" if ok else "NO") if targets else "n/a"

    def p50_p99(ms: list[float], digits: int) -> str:
        return f"{percentile(ms, 50):.{digits}f} / {percentile(ms, 99):.{digits}f}"

    page_target = f"p50 <= {TARGET_PAGE_P50_MS:g}"
    figures = [
        (
            "(a) API ingest, items/s",
            f"{api_rate:,.0f}",
            f">= {ingest_target:,}" + ("" if targets else " (PostgreSQL)"),
            "yes" if api_rate >= ingest_target else "NO",
        ),
        ("(a) request of 1,000 items: p50 / p99 ms", p50_p99(ingest.batch_ms, 1), "", ""),
        ("(a) server CPU per 1,000 items, ms", f"{ingest_cpu * 1000 / len(bodies):.1f}", "", ""),
        ("(a) client CPU per 1,000 items, ms", f"{client_cpu * 1000 / len(bodies):.1f}", "", ""),
        ("(b) raw executemany, items/s", f"{raw_rate:,.0f}", "", ""),
        (
            "(b) API / raw",
            f"{api_rate / raw_rate:.0%}",
            f">= {TARGET_RAW_SHARE:.0%}",
            verdict(api_rate / raw_rate >= TARGET_RAW_SHARE),
        ),
        (
            f"(b) API / raw in each of the {ROUNDS} alternated rounds",
            " ".join(f"{share:.0%}" for share in shares),
            "",
            "",
        ),
    ]
    for label, paging in (("dataset", items), ("evaluation", cells)):
        figures += [
            (
                f"(c) {label} items, page near the start: p50 / p99 ms",
                p50_p99(paging.start.ms, 2),
                page_target,
                verdict(percentile(paging.start.ms, 50) <= TARGET_PAGE_P50_MS),
            ),
            (
                f"(c) {label} items, page near the end: p50 / p99 ms",
                p50_p99(paging.end.ms, 2),
                page_target,
                verdict(percentile(paging.end.ms, 50) <= TARGET_PAGE_P50_MS),
            ),
            (
                f"(c) {label} items, server CPU per page, ms",
                f"{paging.cpu_ms:.2f}",
                f"<= {TARGET_PAGE_CPU_MS:g}",
                verdict(paging.cpu_ms <= TARGET_PAGE_CPU_MS),
            ),
            (
                f"(c) {label} items, server CPU per page beyond its empty answer's, ms",
                f"{paging.cpu_ms - paging.floor.cpu_ms:.2f}",
                "",
                "",
            ),
            (
                f"(c) {label} items, page p50 / its empty answer's p50",
                f"{percentile(paging.start.ms + paging.end.ms, 50) / percentile(paging.floor.ms, 50):.1f}x",
                "",
                "",
            ),
            (
                (
                    f"(c) its empty answer ({paging.page_bytes:,} B) between the pages: "
                    "p50 / p99 ms; CPU per request"
                ),
                f"{p50_p99(paging.floor.ms, 2)}; {paging.floor.cpu_ms:.2f} ms",
                "",
                "",
            ),
        ]
    figures += [
        (
            "(d) empty round trip, 16 B: p50 / p99 ms; its server's CPU per request",
            f"{p50_p99(floor.ms, 2)}; {floor.cpu_ms:.2f} ms",
            "",
            "",
        ),
        (
            "(d) /health: p50 / p99 ms; server CPU per request",
            f"{p50_p99(health.ms, 2)}; {health.cpu_ms:.2f} ms",
            "",
            "",
        ),
    ]
    print(
        f"{ITEMS:,} items of {mean_bytes:,.0f} B mean JSON, {BATCH:,} per request, one sequential "
        f"httpx client (keep-alive); {PAGES} pages of {PAGE} at each end of the dataset and of an "
        f"evaluation of {ITEMS:,} items (3 cells each); database: {backend.kind}"
    )
    print(
        table(
            ("figure", "value", "target" + ("" if targets else " (SQLite, but ingest)"), "met"),
            figures,
        )
    )
    # Shared machines skew every figure above; say how much else ran during the timed phases.
    note = " (PostgreSQL's own processes among them)" if backend.kind == "postgresql" else ""
    print(
        f"other processes{note} kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the "
        "timed phases"
    )
