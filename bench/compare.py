"""`compare`: `POST /v5/comparisons` of two 100,000-item evaluations with 5 aliases.

Set-up (not timed): a server on a fresh database migrates it and creates its account and key;
then one dataset of 100,000 items (~200 B rows) and two finished evaluations built from it go
straight into that database by bulk insert through the app's own column types (the engine
would take an hour to make 1,000,000 cells), as `POST /v5/evaluations {dataset_id}` and a run
leave them: items carrying `dataset_item_id`, both linked to the dataset's version 1, and
every cell `completed`. Only `value` is written; the database computes `value_number` and
`value_label`. The aliases, one of each kind the comparison tells apart:
- `rouge` and `bleu`: floats in [0, 1] (metric tasks, with scorer versions in `details`); the
  candidate is the baseline shifted up by ~0.01 / ~0.005 plus noise, so both must come out
  "improved";
- `exact_match`: JSON booleans, 5 % flipped either way; `passed`: the numbers 0 and 1, 15 % of
  the baseline's fails passing and 3 % of its passes failing (both binary; `passed` must come
  out "improved");
- `verdict`: one of four short strings (categorical); its judge model differs between the two
  evaluations' `tasks`, so the configuration check finds one difference to report.

Timed, on the client, over HTTP: one warm-up comparison (the first also imports scipy), then
RUNS comparisons → median and max. The server's peak RSS (VmHWM, reset through
/proc/PID/clear_refs) over its RSS before the first comparison → growth. The machine's own
figure in the same run: the bare read, in this process through SQLAlchemy, of what any
comparison must read: both evaluations' cells (`item_id, alias, status, value_number,
value_label`) and their items' pairing keys (`id, dataset_item_id`); and the same two reads
through the DB-API cursor alone. The answer is checked (pairing, kinds, pairs per alias,
verdicts, warnings, the same bytes every run); the benchmark raises when it is wrong.

BENCH_COMPARE_ITEMS overrides the item count (e.g. 10000 for a quick look).
"""

import os
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import numpy as np
import orjson
from sqlalchemy import Engine, Table, insert, text
from sqlalchemy.orm import Session

from bench.backend import Backend
from bench.export import RssSampler
from bench.machine import OtherLoad
from bench.registry import benchmark
from bench.report import table
from bench.server import ACCOUNT, Server
from yardstick.dataset_item.encoding import encode
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.ids import new_ids
from yardstick.kit.bulk import bulk_insert
from yardstick.models import (
    Dataset,
    DatasetItemVersion,
    Evaluation,
    EvaluationDataset,
    EvaluationItem,
    TaskResult,
)

ITEMS = int(os.environ.get("BENCH_COMPARE_ITEMS", "100000"))
BATCH = 20_000  # items a set-up transaction
RUNS = 5
TARGET_S = 3.0
TARGET_RSS_GROWTH_MB = 200.0
LABELS = ("correct", "partially_correct", "incorrect", "refused")
CREATOR = "bench"

# Every alias and the kind the comparison must find for it.
EXPECTED = (
    ("rouge", "numeric"),
    ("bleu", "numeric"),
    ("exact_match", "binary"),
    ("passed", "binary"),
    ("verdict", "categorical"),
)
SHIFTED = ("rouge", "bleu")


def _metric(alias: str, metric: str) -> dict[str, Any]:
    return {
        "task_type": "metric",
        "alias": alias,
        "configuration": {
            "type": metric,
            "candidate": "item.answer",
            "reference": "item.expected_output",
        },
    }


def _function(alias: str, body: str) -> dict[str, Any]:
    return {
        "task_type": "custom_function",
        "alias": alias,
        "configuration": {
            "function_source": f"def check(answer, expected_output):\n    return {body}\n",
            "arg_mapping": {"answer": "item.answer", "expected_output": "expected_output"},
        },
    }


def tasks(judge_model: str) -> list[dict[str, Any]]:
    """The 5 result tasks as an evaluation stores them (`answer` is a column of the rows)."""
    return [
        _metric("rouge", "rouge1"),
        _metric("bleu", "bleu"),
        _function("exact_match", "answer.strip() == expected_output.strip()"),
        _function("passed", "int(expected_output.lower() in answer.lower())"),
        {
            "task_type": "auto_evaluation.guided_decoding",
            "alias": "verdict",
            "configuration": {
                "model": judge_model,
                "prompt": "Is {{item.answer}} a correct answer to {{item.input}}?",
                "choices": list(LABELS),
            },
        },
    ]


# What the scorer records in a metric cell's `details`; the comparison checks the versions.
METRIC_DETAILS = {
    "rouge": {
        "scorer": "rouge_score.rouge_scorer.RougeScorer",
        "versions": {"rouge-score": "0.1.2"},
    },
    "bleu": {"scorer": "nltk.translate.bleu_score.sentence_bleu", "versions": {"nltk": "3.9.1"}},
}


# --- set-up ---------------------------------------------------------------------------------


Values = dict[str, list[Any]]  # alias -> the JSON value of each item, for one evaluation


def make_values(items: int) -> tuple[Values, Values]:
    """Baseline and candidate values; the same every run (fixed seed)."""
    rng = np.random.default_rng(7)
    rouge = rng.beta(2, 3, items)
    bleu = rng.beta(1.5, 4, items)
    rouge_c = np.clip(rouge + rng.normal(0.01, 0.08, items), 0, 1)
    bleu_c = np.clip(bleu + rng.normal(0.005, 0.05, items), 0, 1)
    exact = rng.random(items) < 0.6
    exact_c = exact ^ (rng.random(items) < 0.05)  # 5 % flip either way: no real change
    passed = rng.random(items) < 0.7
    draw = rng.random(items)
    passed_c = np.where(passed, draw >= 0.03, draw < 0.15)  # 15 % gained, 3 % lost
    verdict = rng.choice(len(LABELS), items, p=(0.5, 0.2, 0.25, 0.05))
    verdict_c = np.where(rng.random(items) < 0.1, rng.choice(len(LABELS), items), verdict)
    baseline = {
        "rouge": rouge.tolist(),
        "bleu": bleu.tolist(),
        "exact_match": exact.tolist(),  # Python bools: stored as JSON true/false
        "passed": passed.astype(int).tolist(),  # Python ints: stored as JSON 0/1
        "verdict": [LABELS[code] for code in verdict.tolist()],
    }
    candidate = {
        "rouge": rouge_c.tolist(),
        "bleu": bleu_c.tolist(),
        "exact_match": exact_c.tolist(),
        "passed": passed_c.astype(int).tolist(),
        "verdict": [LABELS[code] for code in verdict_c.tolist()],
    }
    return baseline, candidate


def row_text(i: int) -> str:
    return orjson.dumps(
        {
            "input": f"Question {i}: what does the passage say about topic {i % 997}?",
            "expected_output": f"The passage says {i % 89} things about it.",
            "answer": f"It says {i % 83} things.",
            "category": ("reasoning", "retrieval", "safety")[i % 3],
        }
    ).decode()


def _table(model: type[Any]) -> Table:
    table_: Table = model.__table__
    return table_


ITEM_VERSION_COLUMNS = (
    "item_id",
    "account_id",
    "dataset_id",
    "data",
    "content_hash",
    "version_from",
    "created_at",
    "updated_at",
    "created_by_user_id",
)
ITEM_COLUMNS = (
    "id",
    "account_id",
    "evaluation_id",
    "data",
    "dataset_item_id",
    "dataset_item_version_num",
    "created_at",
)
CELL_COLUMNS = (
    "item_id",
    "alias",
    "evaluation_id",
    "status",
    "value",
    "details",
    "latency_ms",
    "attempts",
    "started_at",
    "finished_at",
)


class Fixture(NamedTuple):
    baseline_id: str
    candidate_id: str
    cells: int


def fill(database_url: str, kind: str) -> Fixture:
    """The dataset, both evaluations, their items and cells, by bulk insert."""
    sessions = SessionFactory(create_db_engine(database_url))
    now = datetime.now(UTC)
    dataset_id, baseline_id, candidate_id = new_ids(3)
    dataset_items = new_ids(ITEMS)
    # Created one after the other from the same dataset, as the API would: ids in row order.
    evaluation_items = {baseline_id: new_ids(ITEMS), candidate_id: new_ids(ITEMS)}
    values = dict(zip((baseline_id, candidate_id), make_values(ITEMS), strict=True))
    texts = [row_text(i) for i in range(ITEMS)]
    with sessions.write() as session, session.begin():
        session.execute(
            insert(Dataset).values(
                id=dataset_id,
                account_id=ACCOUNT,
                name="bench compare",
                tags=[],
                current_version_num=1,
                item_count=ITEMS,
                created_by_user_id=CREATOR,
                created_at=now,
                updated_at=now,
            )
        )
        for evaluation_id, name, judge in (
            (baseline_id, "baseline", "openai/gpt-4o-mini"),
            (candidate_id, "candidate", "openai/gpt-4.1-mini"),
        ):
            session.execute(
                insert(Evaluation).values(
                    id=evaluation_id,
                    account_id=ACCOUNT,
                    name=f"bench compare {name}",
                    tags=[],
                    status="completed",
                    tasks=tasks(judge),
                    item_count=ITEMS,
                    created_by_user_id=CREATOR,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.execute(
                insert(EvaluationDataset).values(
                    evaluation_id=evaluation_id, dataset_id=dataset_id, dataset_version_num=1
                )
            )
    for start in range(0, ITEMS, BATCH):
        batch = range(start, min(start + BATCH, ITEMS))
        with sessions.write() as session, session.begin():
            _insert_dataset_items(session, batch, now, dataset_id, dataset_items, texts)
            for evaluation_id, ids in evaluation_items.items():
                bulk_insert(
                    session,
                    _table(EvaluationItem),
                    ITEM_COLUMNS,
                    [
                        (ids[i], ACCOUNT, evaluation_id, texts[i], dataset_items[i], 1, now)
                        for i in batch
                    ],
                )
                _insert_cells(session, evaluation_id, ids, values[evaluation_id], batch, now)
    with sessions.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        cells = conn.execute(text("SELECT count(*) FROM task_results")).scalar_one()
        if kind == "postgresql":
            # What autovacuum does soon after a bulk load. SQLite: no ANALYZE (a server never
            # runs it, so the plans measured are the ones it gets).
            conn.execute(text("ANALYZE"))
    sessions.engine.dispose()
    return Fixture(baseline_id, candidate_id, int(cells))


def _insert_dataset_items(
    session: Session,
    batch: range,
    now: datetime,
    dataset_id: str,
    item_ids: Sequence[str],
    texts: Sequence[str],
) -> None:
    """Version 1 of the dataset's items, text and content hash made by the API's own encoder."""
    rows = []
    for i in batch:
        data, content_hash = encode(orjson.loads(texts[i]), [])
        rows.append((item_ids[i], ACCOUNT, dataset_id, data, content_hash, 1, now, now, CREATOR))
    bulk_insert(session, _table(DatasetItemVersion), ITEM_VERSION_COLUMNS, rows)


def _insert_cells(
    session: Session,
    evaluation_id: str,
    item_ids: Sequence[str],
    values: Values,
    batch: range,
    now: datetime,
) -> None:
    # One executemany per alias: bulk_insert memoizes each value's encoding in a dict, where
    # True == 1 and 1 == 1.0 share a key, so booleans and 0/1 numbers must not share a call.
    for alias, column in values.items():
        details = METRIC_DETAILS.get(alias)
        bulk_insert(
            session,
            _table(TaskResult),
            CELL_COLUMNS,
            [
                (
                    item_ids[i],
                    alias,
                    evaluation_id,
                    "completed",
                    column[i],
                    details,
                    2.5,
                    1,
                    now,
                    now,
                )
                for i in batch
            ],
        )


# --- measurement ----------------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def _reset_peak(pid: int) -> int:
    """Reset the process's VmHWM to its current RSS; returns that RSS in kB."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_kb(pid, "VmRSS")


class Request(NamedTuple):
    seconds: float
    body: bytes


def post(http: httpx.Client, fixture: Fixture) -> Request:
    started = time.perf_counter()
    response = http.post(
        "/v5/comparisons",
        json={
            "baseline_evaluation_id": fixture.baseline_id,
            "candidate_evaluation_id": fixture.candidate_id,
        },
    )
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"comparison answered {response.status_code}: {response.text[:2000]}")
    return Request(seconds, response.content)


def check(body: dict[str, Any], fixture: Fixture) -> None:
    """The answer is the one the data implies; raises otherwise."""
    problems = []
    pairing = body["pairing"]
    if pairing != {
        "by": "dataset_item_id",
        "pairs": ITEMS,
        "baseline_only": 0,
        "candidate_only": 0,
    }:
        problems.append(f"pairing {pairing}")
    if (body["baseline_evaluation_id"], body["candidate_evaluation_id"]) != fixture[:2]:
        problems.append("evaluation ids")
    metrics = {metric["alias"]: metric for metric in body["metrics"]}
    kinds = {alias: metric["kind"] for alias, metric in metrics.items()}
    if kinds != dict(EXPECTED):
        problems.append(f"aliases and kinds {kinds}")
    for alias, metric in metrics.items():
        if metric["n"] != ITEMS:
            problems.append(f"{alias}: n {metric['n']}")
    for alias in SHIFTED:
        if metrics.get(alias, {}).get("verdict") != "improved":
            problems.append(f"{alias}: verdict {metrics.get(alias, {}).get('verdict')}")
    if metrics.get("passed", {}).get("verdict") != "improved":  # 15 % gained, 3 % lost
        problems.append(f"passed: verdict {metrics.get('passed', {}).get('verdict')}")
    warnings = [(w["type"], w["message"].split(" ", 1)[0]) for w in body["warnings"]]
    if warnings != [("different_task_configuration", "'verdict'")]:
        problems.append(f"warnings {body['warnings']}")
    if problems:
        raise RuntimeError("wrong comparison: " + "; ".join(problems))


CELLS_SQL = (
    "SELECT item_id, alias, status, value_number, value_label FROM task_results "
    "WHERE evaluation_id = :evaluation_id"
)
ITEMS_SQL = (
    "SELECT id, dataset_item_id FROM evaluation_items WHERE evaluation_id = :evaluation_id "
    "ORDER BY id"
)


def bare_read(engine: Engine, sql: str, fixture: Fixture) -> int:
    """Rows of `sql` for both evaluations, fetched as the server would (SQLAlchemy rows)."""
    rows = 0
    with engine.connect() as conn:
        for evaluation_id in fixture[:2]:
            rows += len(conn.execute(text(sql), {"evaluation_id": evaluation_id}).all())
    return rows


def driver_read(engine: Engine, sql: str, fixture: Fixture) -> int:
    """The same through the bare DB-API cursor: plain tuples, what the database and driver
    alone cost (SQLAlchemy's rows roughly double that on this machine)."""
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    rows = 0
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for evaluation_id in fixture[:2]:
            cursor.execute(sql.replace(":evaluation_id", mark), (evaluation_id,))
            rows += len(cursor.fetchall())
        connection.rollback()
    finally:
        connection.close()
    return rows


def timed(fn: Callable[[], object]) -> list[float]:
    out = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _seconds(values: Sequence[float]) -> str:
    return " ".join(f"{s:.2f}" for s in values)


@benchmark("compare")
def run(backend: Backend) -> None:
    other = OtherLoad()
    database = backend.new_database("compare")
    with Server(database, backend.tmp) as server:
        started = time.perf_counter()
        fixture = fill(database, backend.kind)
        fill_s = time.perf_counter() - started
        print(
            f"set-up: 1 dataset of {ITEMS:,} items, 2 evaluations, {fixture.cells:,} cells "
            f"inserted in {fill_s:.1f} s",
            flush=True,
        )
        with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=600) as http:
            rss_before = _reset_peak(server.pid)
            cpu = server.cpu_seconds()
            with RssSampler(server.pid) as sampler:
                warm = post(http, fixture)
                warm_peak = _status_kb(server.pid, "VmHWM")
                warm_cpu = server.cpu_seconds() - cpu
                rss_warm = _reset_peak(server.pid)
                cpu = server.cpu_seconds()
                with other.measure(server.cpu_seconds):
                    runs = [post(http, fixture) for _ in range(RUNS)]
                run_cpu = (server.cpu_seconds() - cpu) / RUNS
                run_peak = _status_kb(server.pid, "VmHWM")
        body = orjson.loads(warm.body)
        check(body, fixture)
        if any(r.body != warm.body for r in runs):
            raise RuntimeError("the same comparison answered differently from one run to the next")
        engine = create_db_engine(database)
        try:
            bare_read(engine, CELLS_SQL, fixture)  # once untimed: the page cache, as for (a)
            with other.measure():
                cell_rows = bare_read(engine, CELLS_SQL, fixture)
                cells_s = timed(lambda: bare_read(engine, CELLS_SQL, fixture))
                item_rows = bare_read(engine, ITEMS_SQL, fixture)
                items_s = timed(lambda: bare_read(engine, ITEMS_SQL, fixture))
                driver_s = timed(
                    lambda: (
                        driver_read(engine, CELLS_SQL, fixture),
                        driver_read(engine, ITEMS_SQL, fixture),
                    )
                )
        finally:
            engine.dispose()

    seconds = [r.seconds for r in runs]
    median = statistics.median(seconds)
    growth = (max(warm_peak, run_peak) - rss_before) / 1024
    sampled = (sampler.peak_kb - rss_before) / 1024
    bare = statistics.median(cells_s) + statistics.median(items_s)
    driver = statistics.median(driver_s)
    targets = backend.kind == "sqlite"

    def verdict(ok: bool) -> str:
        return ("yes" if ok else "NO") if targets else "n/a"

    print(
        f"{ITEMS:,} paired items x 5 aliases (2 numeric, 2 binary, 1 categorical); "
        f"database: {backend.kind}; answer {len(warm.body):,} B"
    )
    print(
        table(
            ("figure", "value", "target" + ("" if targets else " (SQLite only)"), "met"),
            [
                (
                    f"(a) POST /v5/comparisons, median of {RUNS}, s",
                    f"{median:.2f}",
                    f"<= {TARGET_S:g}",
                    verdict(median <= TARGET_S),
                ),
                (
                    f"(a) max of {RUNS}, s",
                    f"{max(seconds):.2f}",
                    f"<= {TARGET_S:g}",
                    verdict(max(seconds) <= TARGET_S),
                ),
                ("(a) all runs, s", _seconds(seconds), "", ""),
                ("(a) server CPU per comparison, s", f"{run_cpu:.2f}", "", ""),
                (
                    "(a) first comparison (imports scipy), s; server CPU s",
                    f"{warm.seconds:.2f}; {warm_cpu:.2f}",
                    "",
                    "",
                ),
                (
                    "(a) server peak RSS growth from before the first comparison (VmHWM), MB",
                    f"{growth:.1f}",
                    f"<= {TARGET_RSS_GROWTH_MB:g}",
                    verdict(growth <= TARGET_RSS_GROWTH_MB),
                ),
                ("(a) same, sampled every 50 ms, MB", f"{sampled:.1f}", "", ""),
                (
                    "(a) peak growth during the warm comparisons (VmHWM), MB",
                    f"{(run_peak - rss_warm) / 1024:.1f}",
                    "",
                    "",
                ),
                (
                    "(a) server RSS before / after the first comparison, MB",
                    f"{rss_before / 1024:.0f} / {rss_warm / 1024:.0f}",
                    "",
                    "",
                ),
                (
                    f"(b) bare read of both sides' cells ({cell_rows:,} rows), median s",
                    f"{statistics.median(cells_s):.2f}",
                    "",
                    "",
                ),
                (
                    f"(b) bare read of both sides' pairing keys ({item_rows:,} rows), median s",
                    f"{statistics.median(items_s):.2f}",
                    "",
                    "",
                ),
                (
                    "(b) both bare reads through the DB-API cursor alone, median s",
                    f"{driver:.2f}",
                    "",
                    "",
                ),
                (
                    "(b) comparison / bare reads: SQLAlchemy; DB-API",
                    f"{median / bare:.1f}x; {median / driver:.1f}x",
                    "",
                    "",
                ),
            ],
        )
    )
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the timed phases"
    )
