"""The `ui` benchmark's data: what its pages show, made before anything is timed.

Straight into the database through the DB-API (`bench/big_evaluation.py`), oldest first:
SMALL_RUNS small finished evaluations (SMALL_ITEMS items each, names and tags to search); a
dataset of ITEMS items at version 1; the big evaluation built from it (ITEMS items × 3 cells);
a second evaluation of the first COPY_ITEMS of the same dataset items, other figures (another
seed), for `/compare`. Then over the API, as a user would: the dataset changed (ADDED items in
one batch, CHANGED items updated and REMOVED deleted, one version each) for `?diff=`, and
dashboards: one over the big evaluation with a widget of each kind its page draws (computed at
create), and one over each of two small evaluations, so `/dashboards` lists several.
"""

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from bench import big_evaluation
from bench.big_evaluation import Database, Run, stamp
from bench.server import Server
from yardstick.ids import new_ids

ITEMS = int(os.environ.get("BENCH_UI_ITEMS", "1000000"))
COPY_ITEMS = min(ITEMS, int(os.environ.get("BENCH_UI_COPY_ITEMS", str(ITEMS))))
SMALL_RUNS = 20
SMALL_ITEMS = 200
ADDED = 1_000
CHANGED = 100
REMOVED = 50
MODELS = ("gpt-4o-mini", "claude-sonnet-4")
SEARCH = "nightly 2026-11-1"  # matches ten of the small evaluations' names
TAG = "claude-sonnet-4"  # half of them
CATEGORIES = ("reasoning", "retrieval", "safety", "coding", "chat")


def _agg(function: str, column: str, alias: str | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "expression": {"type": "AGGREGATION", "function": function, "column": column, **more}
    }
    return {**item, "alias": alias} if alias else item


VERDICT = {"expression": {"type": "COLUMN", "column": "verdict"}}
GOOD = {"conditions": [{"column": "verdict", "operator": "=", "value": "good"}]}
BY_VERDICT = {"groupBy": ["verdict"]}
# (title, type, config, query) of the big evaluation's dashboard.
WIDGETS: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]] = [
    ("Quality", "heading", None, None),
    ("About", "markdown", {"content": "The **big run**: scores and verdicts."}, None),
    ("mean score", "metric", None, {"select": [_agg("AVG", "score")]}),
    (
        "% good",
        "metric",
        None,
        {"select": [_agg("PERCENTAGE", "verdict", params={"percentage_filters": GOOD})]},
    ),
    ("verdicts", "table", None, {"select": [VERDICT, _agg("COUNT", "*", "n")], **BY_VERDICT}),
    (
        "verdict shares",
        "donut",
        {"x_column": "verdict"},
        {"select": [VERDICT, _agg("COUNT", "*", "n")], **BY_VERDICT},
    ),
    (
        "mean score by verdict",
        "bar",
        {"x_column": "verdict"},
        {"select": [VERDICT, _agg("AVG", "score", "score")], **BY_VERDICT},
    ),
]


def row(i: int) -> dict[str, Any]:
    return {
        "input": f"Question {i}: what does the passage say about topic {i % 997}?",
        "expected": f"The passage says {i % 89} things about it.",
        "category": CATEGORIES[i % len(CATEGORIES)],
    }


def row_text(i: int) -> str:
    return orjson.dumps(row(i)).decode()


@dataclass(frozen=True)
class Fixture:
    items: int
    copy_items: int
    evaluation_id: str
    candidate_id: str
    item_ids: Sequence[str]
    big_name: str
    dataset_id: str
    dataset_name: str
    dataset_item_ids: Sequence[str]
    dataset_version: int
    dashboard_id: str
    dashboard_name: str
    # alias → (value, item id) of the row at position items // 2 in that alias's sort order
    deep_sorted: dict[str, tuple[Any, str]]

    def describe(self) -> str:
        return (
            f"a dataset of {self.items:,} items (version {self.dataset_version}: +{ADDED:,}, "
            f"{CHANGED} changed, {REMOVED} removed), its evaluation of {self.items:,} items × 3 "
            f"aliases, a second one of {self.copy_items:,} of its items, {SMALL_RUNS} small ones "
            f"of {SMALL_ITEMS} items, 3 dashboards ({len(WIDGETS)} widgets on the big one)"
        )


def _small_runs(db: Database, now: datetime) -> list[str]:
    """The small evaluations, oldest first; returns their ids."""
    out = []
    for k in range(SMALL_RUNS):
        day = 1 + k
        model = MODELS[k % len(MODELS)]
        (evaluation_id,) = new_ids(1)
        ids = new_ids(SMALL_ITEMS)
        created = now - timedelta(days=SMALL_RUNS - k)
        big_evaluation.load(
            db,
            Run(
                evaluation_id,
                SMALL_ITEMS,
                item_id=ids.__getitem__,
                name=f"nightly 2026-11-{day:02d} {model}",
                tags=("nightly", model),
                seed=100 + k,
                created_at=stamp(created),
                data=row_text,
            ),
        )
        out.append(evaluation_id)
    return out


def _deep_sorted(db: Database, evaluation_id: str, items: int) -> dict[str, tuple[Any, str]]:
    out = {}
    for alias, column in (("score", "value_number"), ("verdict", "value_label")):
        item_id, value = db.row(
            f"SELECT item_id, {column} FROM task_results WHERE evaluation_id = ? AND alias = ? "
            f"AND {column} IS NOT NULL ORDER BY {column}, item_id LIMIT 1 OFFSET ?",
            evaluation_id,
            alias,
            items // 2,
        )
        out[alias] = (value, item_id)
    return out


def _change_dataset(api: httpx.Client, dataset_id: str, item_ids: Sequence[str]) -> int:
    """The dataset's later versions, through the API; returns its current version."""
    added = [row(ITEMS + i) for i in range(ADDED)]
    api.post(
        "/v5/dataset-items/batch", json={"dataset_id": dataset_id, "data": added}
    ).raise_for_status()
    step = max(1, len(item_ids) // (CHANGED + REMOVED))
    spread = [item_ids[i * step] for i in range(CHANGED + REMOVED)]
    for n, item_id in enumerate(spread[:CHANGED]):
        data = {**row(n * step), "expected": f"The passage now says {n} things about it."}
        api.patch(f"/v5/dataset-items/{item_id}", json={"data": data}).raise_for_status()
    for item_id in spread[CHANGED:]:
        api.delete(f"/v5/dataset-items/{item_id}").raise_for_status()
    version = api.get(f"/v5/datasets/{dataset_id}").raise_for_status().json()
    return int(version["current_version_num"])


def _dashboard(api: httpx.Client, name: str, evaluation_id: str, widgets: list[Any]) -> str:
    board = api.post(
        "/v5/evaluation-dashboards", json={"name": name, "evaluation_id": evaluation_id}
    ).raise_for_status()
    dashboard_id: str = board.json()["id"]
    for title, kind, config, query in widgets:
        body: dict[str, Any] = {"title": title, "type": kind}
        if config is not None:
            body["config"] = config
        if query is not None:
            body["query"] = query
        made = api.post(f"/v5/evaluation-dashboards/{dashboard_id}/widgets", json=body)
        result = made.raise_for_status().json()["result"]
        if result is not None and result["computation_status"] != "completed":
            raise RuntimeError(f"widget {title!r} failed: {result['error_message']}")
    return dashboard_id


class _Clock:
    """Prints how long each step of the set-up took."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def step(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  {what}: {now - self.last:.1f} s", flush=True)
        self.last = now


def fill(server: Server, kind: str) -> Fixture:
    now = datetime.now(UTC)
    clock = _Clock()
    db = Database(server.database_url, kind)
    try:
        small = _small_runs(db, now - timedelta(hours=1))[:2]
        clock.step(f"{SMALL_RUNS} small evaluations")
        dataset_id, evaluation_id, candidate_id = new_ids(3)
        dataset_items, items, copies = new_ids(ITEMS), new_ids(ITEMS), new_ids(COPY_ITEMS)
        dataset_name = "bench ui questions"
        big_evaluation.load_dataset(
            db,
            dataset_id=dataset_id,
            name=dataset_name,
            items=ITEMS,
            item_id=dataset_items.__getitem__,
            data=row_text,
            created_at=stamp(now),
        )
        clock.step(f"the dataset's {ITEMS:,} items")
        big_name = "big run gpt-4o-mini"
        for run_id, run_items, count, name, seed in (
            (evaluation_id, items, ITEMS, big_name, 7),
            (candidate_id, copies, COPY_ITEMS, "big run gpt-4.1-mini", 8),
        ):
            big_evaluation.load(
                db,
                Run(
                    run_id,
                    count,
                    item_id=run_items.__getitem__,
                    name=name,
                    tags=("big",),
                    seed=seed,
                    created_at=stamp(datetime.now(UTC)),
                    data=row_text,
                    dataset_id=dataset_id,
                    dataset_item=dataset_items.__getitem__,
                ),
            )
            clock.step(f"{name!r}: {count:,} items, {3 * count:,} cells")
        db.analyze()
        deep_sorted = _deep_sorted(db, evaluation_id, ITEMS)
        clock.step("the sort cursors' rows" + (", VACUUM ANALYZE" if kind == "postgresql" else ""))
    finally:
        db.close()
    with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=600) as api:
        version = _change_dataset(api, dataset_id, dataset_items)
        clock.step(f"the dataset's versions 2 to {version} (API)")
        dashboard_name = "bench ui board"
        dashboard_id = _dashboard(api, dashboard_name, evaluation_id, WIDGETS)
        for n, small_id in enumerate(small):
            _dashboard(api, f"nightly board {n}", small_id, WIDGETS[2:3])
        clock.step("3 dashboards, their widgets computed (API)")
    return Fixture(
        items=ITEMS,
        copy_items=COPY_ITEMS,
        evaluation_id=evaluation_id,
        candidate_id=candidate_id,
        item_ids=items,
        big_name=big_name,
        dataset_id=dataset_id,
        dataset_name=dataset_name,
        dataset_item_ids=dataset_items,
        dataset_version=version,
        dashboard_id=dashboard_id,
        dashboard_name=dashboard_name,
        deep_sorted=deep_sorted,
    )
