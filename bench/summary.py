"""`summary`: `GET /v5/evaluations/{id}/summary` of a 1,000,000-item evaluation.

Set-up (not timed): a server on a fresh database creates its account and schema; then the
evaluation, its 1,000,000 items and 3,000,000 cells are inserted straight into that database
(the engine would take hours to make them; `bench/big_evaluation.py`): `answer` (a chat completion: unique text, latency,
tokens, cost, details; 1 % errored), `score` (a metric: a float; errored where the answer is)
and `verdict` (a judge: one of three labels, latency, tokens).

Timed, on the client, RUNS times each, median reported:
(a) the summary over HTTP, end to end (the target: ≤ 2 s on SQLite), computed afresh each time
    (the evaluation's results are marked changed before each, untimed, as a cell's write
    marks them), and then as kept (nothing changed since: yardstick.evaluation.kept);
(b) the machine reference, same database, same run: `SELECT count(*)` of the evaluation's cells,
    the cheapest scan of them there is (an index-only count); and a count that must read every
    cell row (SQLite `NOT INDEXED`, PostgreSQL a sequential scan), what a summary computed
    from the cells themselves would at least cost.
(c) what the summary indexes cost the writer: 100,000 cells inserted into a fresh database at
    the schema head, and into one without the four summary indexes (same rows, executemany,
    one transaction per 1,000 rows).
"""

import os
import statistics
import time
from collections.abc import Callable

import httpx

from bench import big_evaluation
from bench.backend import Backend
from bench.big_evaluation import CELL_SQL, ITEM_SQL, NOW, Database, Run
from bench.machine import OtherLoad
from bench.registry import benchmark
from bench.report import table
from bench.server import ACCOUNT, Server
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.evaluation.results_version import results_changed

ITEMS = 1_000_000
RUNS = 5
TARGET_S = 2.0
WRITE_CELLS = 100_000
SUMMARY_INDEXES = ("counts", "timing", "numbers", "labels")
EVALUATION_ID = "bench-summary-0000-0000-000000000000"
RUN = Run(EVALUATION_ID, ITEMS, name="bench summary")


def load(db: Database) -> None:
    big_evaluation.load(db, RUN)
    db.analyze()


def timed(fn: Callable[[], object], before: Callable[[], object] | None = None) -> list[float]:
    """`fn`'s time, RUNS times; `before` runs first each time, untimed."""
    out = []
    for _ in range(RUNS):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def cells_changed(database_url: str) -> Callable[[], None]:
    """What a cell's write tells the summary: its evaluation's results changed, so the kept
    summary (yardstick.evaluation.kept) is computed again."""
    sessions = SessionFactory(create_db_engine(database_url))

    def bump() -> None:
        with sessions.write() as session, session.begin():
            results_changed(session, [EVALUATION_ID])

    return bump


def write_rate(backend: Backend, *, with_indexes: bool) -> float:
    """Cells per second into a fresh database at the schema head (minus the summary indexes)."""
    label = "writes-indexed" if with_indexes else "writes-bare"
    with Server(backend.new_database(label), backend.tmp / label) as server:
        db = Database(server.database_url, backend.kind)
        try:
            if not with_indexes:
                for name in SUMMARY_INDEXES:
                    db.conn.execute(f"DROP INDEX ix_task_results_summary_{name}")
            db.insert(
                db.sql(
                    "INSERT INTO evaluations (id, account_id, name, tags, status, tasks, "
                    "item_count, created_by_user_id, created_at, updated_at, skip_prefilled_rows) "
                    "VALUES (?, ?, 'w', '[]', 'completed', '[]', 0, 'bench', ?, ?, ?)"
                ),
                [(EVALUATION_ID, ACCOUNT, NOW, NOW, False)],
            )
            rows = [row for items, cells in RUN.batches(WRITE_CELLS // 3) for row in cells]
            items = [row for items, cells in RUN.batches(WRITE_CELLS // 3) for row in items]
            db.insert(db.sql(ITEM_SQL), items)
            started = time.perf_counter()
            for start in range(0, len(rows), 1_000):
                db.insert(db.sql(CELL_SQL), rows[start : start + 1_000])
            return len(rows) / (time.perf_counter() - started)
        finally:
            db.close()


@benchmark("summary")
def run(backend: Backend) -> None:
    other = OtherLoad()
    with Server(backend.new_database("summary"), backend.tmp / "summary") as server:
        db = Database(server.database_url, backend.kind)
        try:
            started = time.perf_counter()
            load(db)
            load_s = time.perf_counter() - started
            cells = db.scalar(
                "SELECT count(*) FROM task_results WHERE evaluation_id = ?", EVALUATION_ID
            )
            with httpx.Client(
                base_url=server.base_url, headers=server.headers, timeout=600
            ) as http:
                url = f"/v5/evaluations/{EVALUATION_ID}/summary"
                body = http.get(url).raise_for_status().json()  # once untimed: warm caches
                with other.measure(server.cpu_seconds):
                    summary_s = timed(
                        lambda: http.get(url).raise_for_status(),
                        before=cells_changed(server.database_url),
                    )
                    kept_s = timed(lambda: http.get(url).raise_for_status())
                    count_s = timed(
                        lambda: db.scalar(
                            "SELECT count(*) FROM task_results WHERE evaluation_id = ?",
                            EVALUATION_ID,
                        )
                    )
                    if backend.kind == "sqlite":
                        full = (
                            "SELECT count(*) FROM task_results NOT INDEXED WHERE evaluation_id = ?"
                        )
                        scan_s = timed(lambda: db.scalar(full, EVALUATION_ID))
                    else:
                        db.conn.execute("SET enable_indexscan = off")
                        db.conn.execute("SET enable_indexonlyscan = off")
                        db.conn.execute("SET enable_bitmapscan = off")
                        scan_s = timed(
                            lambda: db.scalar(
                                "SELECT count(*) FROM task_results WHERE evaluation_id = ?",
                                EVALUATION_ID,
                            )
                        )
        finally:
            db.close()
    answer = body["aliases"]["answer"]
    assert (
        body["items"] == ITEMS
        and answer["cells"]["completed"] + answer["cells"]["errored"] == ITEMS
    )
    targets = backend.kind == "sqlite"
    median = statistics.median(summary_s)
    print(
        f"{ITEMS:,} items, {cells:,} cells (3 aliases: text, number, label); database: {backend.kind}; "
        f"set-up (direct inserts) {load_s:.0f} s"
    )
    print(
        table(
            (
                "figure",
                f"median of {RUNS}, s",
                "all runs, s",
                "target" + ("" if targets else " (SQLite only)"),
                "met",
            ),
            [
                (
                    "(a) GET /v5/evaluations/{id}/summary",
                    f"{median:.2f}",
                    " ".join(f"{s:.2f}" for s in summary_s),
                    f"<= {TARGET_S:g}",
                    ("yes" if median <= TARGET_S else "NO") if targets else "n/a",
                ),
                (
                    "(a) the same, kept (no cell changed since)",
                    f"{statistics.median(kept_s):.2f}",
                    " ".join(f"{s:.2f}" for s in kept_s),
                    "",
                    "",
                ),
                (
                    "(b) reference: SELECT count(*) of the cells (index only)",
                    f"{statistics.median(count_s):.2f}",
                    " ".join(f"{s:.2f}" for s in count_s),
                    "",
                    "",
                ),
                (
                    "(b) reference: count reading every cell row",
                    f"{statistics.median(scan_s):.2f}",
                    " ".join(f"{s:.2f}" for s in scan_s),
                    "",
                    "",
                ),
            ],
        )
    )
    print(f"summary / index-only count: {median / statistics.median(count_s):.1f}x")
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the timed phases"
    )
    print(flush=True)

    indexed_rate = write_rate(backend, with_indexes=True)
    bare_rate = write_rate(backend, with_indexes=False)
    print(
        f"(c) writes, {WRITE_CELLS // 3 * 3:,} cells: {indexed_rate:,.0f} cells/s with the summary "
        f"indexes, {bare_rate:,.0f} without ({indexed_rate / bare_rate:.0%})"
    )
