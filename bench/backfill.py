"""`backfill`: a metric added to a finished 100,000-item evaluation, against the same metric fresh.

The issue's requirement: adding a metric to a finished 100,000-item evaluation makes zero model
calls and completes at ≥ the metric benchmark's rate. Items: `input` ~30 words, `expected` ~25
words (the texts of `bench.metrics`, all distinct), and `reply` = `"echo: " + input`, which is
exactly what the fake model answers for `input`. The metric scores a candidate against
`expected`: rouge1 by default (`BENCH_BACKFILL_METRIC`), the cheapest targeted metric to score,
so that the engine's own work per cell shows rather than the scorer's. Item count:
`BENCH_BACKFILL_ITEMS` (default 100,000; smaller for quick runs).

Set-up, not in the compared figures: the items loaded as a dataset (1,000 per batch request);
an evaluation of it with one chat_completion task `answer` against the fake OpenAI-compatible
model server of `bench.engine` (its own process, loopback, no latency, model concurrency 256),
run to `completed` (its wall time is printed); then the scorer processes are warmed up by a
50-item evaluation of the metric alone (other texts) and the fake server's counters reset.

Timed on the client, each on its own server and fresh database, one after the other:
(a) backfill: `POST /v5/evaluations/{id}/tasks` adding the metric with candidate
    `item.answer` (the chat completion's output), until `completed` is seen (polling the
    evaluation every 50 ms) → seconds, cells/s. Then checked, failing the benchmark otherwise:
    the fake server received 0 model calls since the reset, and the summary counts N completed
    cells of the metric (and the evaluation N successful items, no errors).
(b) fresh: what `bench metrics` (c) measures — an evaluation whose only tasks are metrics,
    timed from the create request until `completed` is seen (polling every 50 ms), after a
    warm-up evaluation — here with this one metric as its only task over the same N items,
    created from the same dataset (its candidate is `item.reply`, the very text `answer` holds
    in (a), so both score identical pairs; their mean scores are checked to be equal). The
    create request copies the N items into the evaluation, which (a) does not need to do; its
    own time is printed next to the wall time, and the target compares the two wall times.
(c) the machine's own limit for this metric, same run: the same N pairs scored through the
    scorer service directly (no server, no database), as `bench metrics` (a) does.

Printed per run: the POST's own seconds, wall seconds, cells/s (N / wall), CPU per cell of the
server process and of its scorer processes, and the polls with their mean latency (each poll
computes the evaluation's progress from its cells, which the server pays during the run); then
the model calls during (a), (a)'s rate against (b)'s (the target: ≥ 1x) and both against (c),
and how much CPU other processes used during the timed phases.
"""

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.backend import Backend
from bench.engine import engine_env
from bench.evaluations import load_dataset
from bench.machine import OtherLoad
from bench.metrics import _measure, children_cpu, own_scorers_cpu, pairs
from bench.registry import benchmark
from bench.report import table
from bench.server import Server
from tests.fixtures.fake_model_server import FakeModels, start_fake_models
from yardstick.scoring.metrics import ScoringOptions
from yardstick.scoring.service import ScorerService

ITEMS = int(os.environ.get("BENCH_BACKFILL_ITEMS", "100000"))
METRIC = os.environ.get("BENCH_BACKFILL_METRIC", "rouge1")
CONCURRENCY = 256  # model calls in flight during the set-up run
WARM_ITEMS = 50
POLL_S = 0.05
MODEL = "openai/fake-chat"


def metric_task(candidate: str) -> dict[str, Any]:
    return {
        "task_type": "metric",
        "alias": METRIC,
        "configuration": {
            "type": METRIC,
            "candidate": f"item.{candidate}",
            "reference": "item.expected",
        },
    }


CHAT_TASK = {
    "task_type": "chat_completion",
    "alias": "answer",
    "configuration": {"model": MODEL, "messages": [{"role": "user", "content": "item.input"}]},
}


def make_rows(count: int) -> list[bytes]:
    return [
        orjson.dumps({"input": candidate, "expected": reference, "reply": "echo: " + candidate})
        for candidate, reference in pairs(count, seed=11)
    ]


@dataclass
class Timed:
    """One timed run: the request's own seconds, and until `completed` was seen."""

    request_s: float
    wall_s: float
    server_cpu_s: float
    scorers_cpu_s: float
    polled: "Polled"

    @property
    def rate(self) -> float:
        return ITEMS / self.wall_s

    def say(self, label: str) -> None:
        """One line as soon as measured: a later phase failing must not lose it."""
        print(
            f"{label}: {self.wall_s:.2f} s, {self.rate:,.0f} cells/s (request "
            f"{self.request_s:.2f} s, {self.polled.polls} polls)",
            flush=True,
        )


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == parent:
                pids.append(int(entry.name))
    return pids


@contextmanager
def serving(
    database_url: str, work_dir: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """A server, and afterwards none of its child processes left behind.

    A guard: `yardstick serve` stopped by SIGTERM has left its scorer pool running (when its
    shutdown's `close_scorer` failed because DBOS.destroy had shut down the loop's default
    executor that `asyncio.to_thread` needs); orphaned scorers would skew later phases.
    """
    work_dir.mkdir(exist_ok=True)
    children: list[int] = []
    try:
        with Server(database_url, work_dir, env=env) as server:
            try:
                yield server
            finally:
                children = child_pids(server.pid)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def json_headers(server: Server) -> dict[str, str]:
    # load_dataset posts pre-serialized bodies: they need the content type said.
    return {**server.headers, "content-type": "application/json"}


@dataclass
class Polled:
    evaluation: dict[str, Any]
    polls: int = 0
    seconds: float = 0.0  # spent waiting for the poll responses

    @property
    def mean_ms(self) -> float:
        return self.seconds * 1000 / self.polls if self.polls else 0.0


def wait_done(http: httpx.Client, evaluation: dict[str, Any]) -> Polled:
    """Poll the evaluation every POLL_S until it is no longer running."""
    polled = Polled(evaluation)
    while polled.evaluation["status"] == "running":
        time.sleep(POLL_S)
        started = time.perf_counter()
        response = http.get(f"/v5/evaluations/{evaluation['id']}").raise_for_status()
        polled.seconds += time.perf_counter() - started
        polled.polls += 1
        polled.evaluation = response.json()
    return polled


def timed(
    server: Server, http: httpx.Client, other: OtherLoad, path: str, body: dict[str, Any]
) -> Timed:
    """POST `body` to `path`, then poll until the evaluation it answers with is done."""
    cpu, scorers = server.cpu_seconds(), children_cpu(server.pid)
    with other.measure(lambda: server.cpu_seconds() + children_cpu(server.pid)):
        started = time.perf_counter()
        evaluation = http.post(path, json=body).raise_for_status().json()
        request_s = time.perf_counter() - started
        polled = wait_done(http, evaluation)
        wall_s = time.perf_counter() - started
    return Timed(
        request_s,
        wall_s,
        server.cpu_seconds() - cpu,
        children_cpu(server.pid) - scorers,
        polled,
    )


def warm_scorers(http: httpx.Client) -> None:
    """A small metric-only evaluation: scorer processes started, the metric's module loaded."""
    data = [{"reply": c, "expected": r} for c, r in pairs(WARM_ITEMS, seed=99)]
    body = {"name": "warm", "data": data, "tasks": [metric_task("reply")]}
    created = http.post("/v5/evaluations", json=body).raise_for_status().json()
    evaluation = wait_done(http, created).evaluation
    if evaluation["status"] != "completed":
        raise RuntimeError(f"warm-up ended {evaluation['status']}: {evaluation.get('progress')}")


def check_completed(http: httpx.Client, evaluation: dict[str, Any], label: str) -> float:
    """Fail unless the run completed with N completed metric cells; returns their mean score."""
    items = evaluation["progress"]["items"]
    if (
        evaluation["status"] != "completed"
        or items["successful"] != ITEMS
        or evaluation["error_count"]
    ):
        raise RuntimeError(f"{label}: run ended {evaluation['status']} with {items}")
    summary = http.get(f"/v5/evaluations/{evaluation['id']}/summary").raise_for_status().json()
    metric = summary["aliases"][METRIC]
    completed = metric["cells"]["completed"]
    if completed != ITEMS or metric["numeric"]["count"] != ITEMS:
        raise RuntimeError(
            f"{label}: {completed:,} of {ITEMS:,} {METRIC} cells completed: {metric}"
        )
    return float(metric["numeric"]["mean"])


def backfill(
    backend: Backend, rows: list[bytes], other: OtherLoad
) -> tuple[Timed, float, int, float]:
    """(a): the timed backfill, the set-up run's seconds, model calls during (a), mean score."""
    fake = start_fake_models()
    try:
        env = engine_env(fake, CONCURRENCY)
        database = backend.new_database("backfill")
        with serving(database, backend.tmp / "backfill", env) as server:
            print(f"backfill server pid {server.pid} on {backend.kind}", flush=True)
            with httpx.Client(
                base_url=server.base_url, headers=json_headers(server), timeout=600
            ) as http:
                dataset_id = load_dataset(http, rows)
                fake.reset()
                started = time.perf_counter()
                body = {"name": "bench", "dataset_id": dataset_id, "tasks": [CHAT_TASK]}
                created = http.post("/v5/evaluations", json=body).raise_for_status().json()
                evaluation = wait_done(http, created).evaluation
                setup_s = time.perf_counter() - started
                print(f"set-up chat_completion run: {setup_s:.1f} s", flush=True)
                items = evaluation["progress"]["items"]
                if evaluation["status"] != "completed" or items["successful"] != ITEMS:
                    raise RuntimeError(f"set-up run ended {evaluation['status']} with {items}")
                if fake.stats()["total"] != ITEMS:
                    raise RuntimeError(f"set-up: {fake.stats()['total']} model calls for {ITEMS}")
                warm_scorers(http)
                fake.reset()
                run = timed(
                    server,
                    http,
                    other,
                    f"/v5/evaluations/{evaluation['id']}/tasks",
                    {"task": metric_task("answer")},
                )
                run.say("(a) backfill")
                calls = model_calls(fake)
                if calls:
                    raise RuntimeError(f"backfill: the model server received {calls} calls, not 0")
                mean = check_completed(http, run.polled.evaluation, "backfill")
    finally:
        fake.stop()
    return run, setup_s, calls, mean


def model_calls(fake: FakeModels) -> int:
    return int(fake.stats()["total"])


def fresh(backend: Backend, rows: list[bytes], other: OtherLoad) -> tuple[Timed, float]:
    """(b): the metric as a fresh evaluation's only task over the same items; and mean score."""
    with serving(backend.new_database("fresh"), backend.tmp / "fresh") as server:
        print(f"fresh server pid {server.pid} on {backend.kind}", flush=True)
        with httpx.Client(
            base_url=server.base_url, headers=json_headers(server), timeout=600
        ) as http:
            dataset_id = load_dataset(http, rows)
            warm_scorers(http)
            body = {"name": "bench", "dataset_id": dataset_id, "tasks": [metric_task("reply")]}
            run = timed(server, http, other, "/v5/evaluations", body)
            run.say("(b) fresh")
            mean = check_completed(http, run.polled.evaluation, "fresh")
    return run, mean


def direct(rows: list[bytes], other: OtherLoad) -> float:
    """(c): seconds to score the same pairs through the scorer service (after its warm-up)."""
    work = [(row["reply"], row["expected"]) for row in map(orjson.loads, rows)]

    async def main() -> float:
        service = ScorerService(ScoringOptions(torch_threads=1))
        try:
            with other.measure(own_scorers_cpu):
                return (await _measure(service, METRIC, work)).seconds
        finally:
            await service.close()

    return asyncio.run(main())


@benchmark("backfill")
def run(backend: Backend) -> None:
    rows = make_rows(ITEMS)
    other = OtherLoad()
    added, setup_s, calls, added_mean = backfill(backend, rows, other)
    alone, alone_mean = fresh(backend, rows, other)
    direct_s = direct(rows, other)
    if abs(added_mean - alone_mean) > 1e-9:
        raise RuntimeError(f"backfill and fresh scored differently: {added_mean} vs {alone_mean}")

    def row(label: str, t: Timed) -> tuple[str, ...]:
        return (
            label,
            f"{t.request_s:.2f}",
            f"{t.wall_s:.2f}",
            f"{t.rate:,.0f}",
            f"{t.server_cpu_s * 1000 / ITEMS:.3f}",
            f"{t.scorers_cpu_s * 1000 / ITEMS:.3f}",
            f"{t.polled.polls} / {t.polled.mean_ms:,.0f}",
        )

    print(
        f"{ITEMS:,} items, metric {METRIC} (~30-word candidate, ~25-word reference, all "
        f"distinct); database: {backend.kind}; set-up chat_completion run: {setup_s:.1f} s, "
        f"{ITEMS / setup_s:,.0f} cells/s at model concurrency {CONCURRENCY}"
    )
    print(
        table(
            (
                "run",
                "request s",
                "wall s",
                "cells/s",
                "server CPU ms/cell",
                "scorer CPU ms/cell",
                "polls / mean poll ms",
            ),
            [
                row("(a) backfill: metric added to the finished evaluation", added),
                row("(b) fresh evaluation, the metric its only task", alone),
                (
                    "(c) scorer service directly (the machine's limit)",
                    "",
                    f"{direct_s:.2f}",
                    f"{ITEMS / direct_s:,.0f}",
                    "",
                    "",
                    "",
                ),
            ],
        )
    )
    ratio = added.rate / alone.rate
    print(
        f"model calls during the backfill: {calls} (must be 0); new {METRIC} cells completed: "
        f"{ITEMS:,} of {ITEMS:,}; mean {METRIC} {added_mean:.4f} in both runs"
    )
    print(
        f"backfill {added.rate:,.0f} cells/s vs fresh {alone.rate:,.0f} cells/s = {ratio:.2f}x; "
        f"target backfill >= fresh met: {'yes' if ratio >= 1 else 'NO'}; "
        f"vs the scorer's own limit: backfill {added.rate * direct_s / ITEMS:.0%}, "
        f"fresh {alone.rate * direct_s / ITEMS:.0%}"
    )
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy "
        "during the timed phases"
    )
