"""A large finished evaluation, written straight into a benchmark database.

The engine would take hours to make the cells of a 1,000,000-item run, so the benchmarks that
need one (`summary`, `ui`) insert what a finished run leaves through the DB-API driver
(`Database`: sqlite3 or psycopg `executemany`, one transaction per batch of BATCH items). Only
`value` is written; the database computes `value_number` and `value_label`, as on every write.

`Run` describes one evaluation; `load` writes its row, its items and three cells an item, one
alias of each kind a summary tells apart (`TASKS`):
- `answer`, a chat completion: a unique text, latency, tokens, cost and details; about 1 % of
  the items errored (`RateLimitError`, 3 attempts);
- `score`, a metric: a float in [0, 1); errored (`ItemLocatorError`) where the answer is;
- `verdict`, a judge: one of `VERDICTS`, latency and tokens.

A run built from a dataset (`Run.dataset_id`) carries, on each item, the id of the dataset item
it was made from, at version 1, as `POST /v5/evaluations {dataset_id}` leaves them;
`load_dataset` writes that dataset's version 1. Figures come from a generator seeded by
`Run.seed`: the same rows every time.
"""

import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg

from bench.backend import conninfo, sqlite_path
from bench.server import ACCOUNT
from yardstick.dataset_item.encoding import encode

BATCH = 10_000
CREATOR = "bench"
VERDICTS = ("good", "bad", "unsure")
TASKS = [
    {
        "alias": "answer",
        "task_type": "chat_completion",
        "configuration": {
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "item.input"}],
        },
    },
    {
        "alias": "score",
        "task_type": "metric",
        "configuration": {
            "type": "rouge1",
            "candidate": "item.answer",
            "reference": "item.expected",
        },
    },
    {
        "alias": "verdict",
        "task_type": "auto_evaluation.guided_decoding",
        "configuration": {
            "model": "openai/gpt-4o-mini",
            "prompt": "Is {{item.answer}} a good answer to {{item.input}}?",
            "choices": list(VERDICTS),
        },
    },
]
DETAILS = orjson.dumps(
    {"model": "openai/gpt-4o-mini", "finish_reason": "stop", "usage": {"prompt_tokens": 31}}
).decode()
NOW = "2026-11-30 12:00:00.000000"

ITEM_SQL = (
    "INSERT INTO evaluation_items (id, account_id, evaluation_id, data, dataset_item_id, "
    "dataset_item_version_num, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
CELL_SQL = (
    "INSERT INTO task_results (item_id, alias, evaluation_id, status, value, error_type, "
    "error_message, details, latency_ms, prompt_tokens, completion_tokens, cost_usd, attempts) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
EVALUATION_SQL = (
    "INSERT INTO evaluations (id, account_id, name, tags, status, tasks, item_count, "
    "created_by_user_id, created_at, updated_at, metadata, skip_prefilled_rows) "
    "VALUES (?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, '{}', ?)"
)


def stamp(moment: datetime) -> str:
    """A timestamp as these inserts write it (the text SQLAlchemy stores on SQLite)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def bench_item_id(i: int) -> str:
    return f"bench-item-{i:010d}"


def item_data(i: int) -> str:
    return orjson.dumps({"input": f"question {i}", "expected": "x"}).decode()


@dataclass(frozen=True)
class Run:
    """One finished evaluation of `items` items; item `i` has id `item_id(i)`."""

    evaluation_id: str
    items: int
    item_id: Callable[[int], str] = bench_item_id
    name: str = "bench"
    tags: tuple[str, ...] = ()
    seed: int = 7
    created_at: str = NOW
    data: Callable[[int], str] = item_data
    # Built from this dataset's version 1: item `i` was made from dataset item `dataset_item(i)`.
    dataset_id: str | None = None
    dataset_item: Callable[[int], str] | None = None

    def batches(
        self, items: int | None = None
    ) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """(items, cells) rows, BATCH items at a time; the same pseudo-random figures every run."""
        rnd = random.Random(self.seed)
        count = self.items if items is None else items
        evaluation_id = self.evaluation_id
        for first in range(0, count, BATCH):
            item_rows, cell_rows = [], []
            for i in range(first, min(first + BATCH, count)):
                iid = self.item_id(i)
                source = self.dataset_item(i) if self.dataset_item is not None else None
                item_rows.append(
                    (
                        iid,
                        ACCOUNT,
                        evaluation_id,
                        self.data(i),
                        source,
                        1 if source is not None else None,
                        self.created_at,
                    )
                )
                cell_rows.extend(_cells(rnd, iid, evaluation_id, i))
            yield item_rows, cell_rows


def _cells(rnd: random.Random, iid: str, evaluation_id: str, i: int) -> list[tuple[Any, ...]]:
    """The item's three cells, in CELL_SQL's column order: (item_id, alias, evaluation_id,
    status, value, error_type, error_message, details) then (latency_ms, prompt_tokens,
    completion_tokens, cost_usd, attempts). The draws keep their order: same seed, same rows."""
    answer: tuple[Any, ...]
    score: tuple[Any, ...]
    verdict: tuple[Any, ...]
    if rnd.random() < 0.01:
        answer = (iid, "answer", evaluation_id, "errored", None, "RateLimitError")
        answer += ("429 from the vendor", None, rnd.expovariate(1 / 900), None, None, None, 3)
        score = (iid, "score", evaluation_id, "errored", None, "ItemLocatorError")
        score += ("item.answer is null", None, 0.1, None, None, None, 1)
    else:
        text = orjson.dumps(f"echo: the answer to question {i} is {rnd.random():.6f}").decode()
        answer = (iid, "answer", evaluation_id, "completed", text, None, None, DETAILS)
        answer += (rnd.expovariate(1 / 800), rnd.randint(10, 50), rnd.randint(5, 200))
        answer += (rnd.random() / 1000, 1)
        number = orjson.dumps(rnd.random()).decode()
        score = (iid, "score", evaluation_id, "completed", number, None, None, None)
        score += (rnd.random(), None, None, None, 1)
    label = orjson.dumps(rnd.choice(VERDICTS)).decode()
    verdict = (iid, "verdict", evaluation_id, "completed", label, None, None, DETAILS)
    verdict += (rnd.expovariate(1 / 500), 40, 1, rnd.random() / 10000, 1)
    return [answer, score, verdict]


class Database:
    """Raw DB-API access to a benchmark database, the same calls for both dialects."""

    def __init__(self, database_url: str, kind: str) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.conn: Any = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")  # as the server's engine sets it
            self.conn.execute("PRAGMA busy_timeout=30000")
        else:
            self.conn = psycopg.connect(conninfo(database_url), autocommit=True)

    def sql(self, statement: str) -> str:
        return statement if self.kind == "sqlite" else statement.replace("?", "%s")

    def insert(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """All `rows` in one transaction."""
        if self.kind == "sqlite":
            self.conn.execute("BEGIN")
            self.conn.executemany(statement, rows)
            self.conn.execute("COMMIT")
        else:
            with self.conn.transaction(), self.conn.cursor() as cursor:
                cursor.executemany(self.sql(statement), rows)

    def scalar(self, statement: str, *params: Any) -> Any:
        return self.conn.execute(self.sql(statement), params).fetchone()[0]

    def row(self, statement: str, *params: Any) -> tuple[Any, ...]:
        return tuple(self.conn.execute(self.sql(statement), params).fetchone())

    def analyze(self) -> None:
        """On PostgreSQL what autovacuum does soon after a bulk load (index-only scans need the
        visibility map). No ANALYZE on SQLite: a server never runs it, so the plans measured
        are the ones it gets."""
        if self.kind == "postgresql":
            self.conn.execute("VACUUM ANALYZE evaluation_items")
            self.conn.execute("VACUUM ANALYZE task_results")
            self.conn.execute("VACUUM ANALYZE dataset_item_versions")

    def close(self) -> None:
        self.conn.close()


def load(db: Database, run: Run) -> None:
    """The evaluation's row (with its dataset link), then its items and cells, batch by batch."""
    db.insert(
        db.sql(EVALUATION_SQL),
        [
            (
                run.evaluation_id,
                ACCOUNT,
                run.name,
                orjson.dumps(list(run.tags)).decode(),
                orjson.dumps(TASKS).decode(),
                run.items,
                CREATOR,
                run.created_at,
                run.created_at,
                False,
            )
        ],
    )
    if run.dataset_id is not None:
        db.insert(
            db.sql(
                "INSERT INTO evaluation_datasets (evaluation_id, dataset_id, dataset_version_num) "
                "VALUES (?, ?, 1)"
            ),
            [(run.evaluation_id, run.dataset_id)],
        )
    for item_rows, cell_rows in run.batches():
        db.insert(db.sql(ITEM_SQL), item_rows)
        db.insert(db.sql(CELL_SQL), cell_rows)


def load_dataset(
    db: Database,
    *,
    dataset_id: str,
    name: str,
    items: int,
    item_id: Callable[[int], str],
    data: Callable[[int], str],
    created_at: str = NOW,
) -> None:
    """A dataset at version 1 with `items` items: item `i` has id `item_id(i)` and `data(i)`,
    stored with the content hash the API's own encoder gives it."""
    db.insert(
        db.sql(
            "INSERT INTO datasets (id, account_id, name, tags, current_version_num, item_count, "
            "created_by_user_id, created_at, updated_at) VALUES (?, ?, ?, '[]', 1, ?, ?, ?, ?)"
        ),
        [(dataset_id, ACCOUNT, name, items, CREATOR, created_at, created_at)],
    )
    statement = db.sql(
        "INSERT INTO dataset_item_versions (item_id, account_id, dataset_id, data, content_hash, "
        "version_from, created_at, updated_at, created_by_user_id) "
        "VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)"
    )
    for first in range(0, items, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, items)):
            text, content_hash = encode(orjson.loads(data(i)), [])
            rows.append(
                (
                    item_id(i),
                    ACCOUNT,
                    dataset_id,
                    text,
                    content_hash,
                    created_at,
                    created_at,
                    CREATOR,
                )
            )
        db.insert(statement, rows)
