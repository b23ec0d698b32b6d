"""`engine`: evaluations of one chat_completion task, from create to `completed`.

Every embedded run is made twice, with the run's traces off and on (YARDSTICK_TRACE_RUNS), and
the slowdown that recording the spans costs is printed per size.

A fake OpenAI-compatible model server with 50 ms latency runs in its own process. For each run a
fresh database and server, warmed up by one 20-item run: 2,000 and 10,000 items at model concurrency 32 and 256, on the
database under test. Printed per run: wall time (create request to `completed` observed by
polling every 50 ms), cells/s, server CPU ms per cell, and the floor `items × latency /
concurrency` against the wall time. On PostgreSQL, also `serve --no-worker` with one and with two
`yardstick worker` processes at 256 to show how workers share a run.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from bench.backend import Backend
from bench.machine import OtherLoad
from bench.registry import benchmark
from bench.report import table
from bench.server import Server
from tests.fixtures.fake_model_server import FakeModels, start_fake_models

LATENCY_S = 0.05
RUNS = [(2_000, 32), (2_000, 256), (10_000, 32), (10_000, 256)]
WORKER_RUN = (10_000, 256)
WORKER_LATENCIES = (0.05, 0.5)
TARGET_FLOOR_SHARE_AT_32 = 0.80
TARGET_CELLS_PER_S_AT_256 = 1_500
TARGET_TWO_WORKER_SPEEDUP = 1.7
TARGET_TRACE_SLOWDOWN = 0.10


@dataclass
class Run:
    label: str
    items: int
    concurrency: int
    seconds: float
    server_cpu_s: float
    latency_s: float = LATENCY_S

    @property
    def floor_s(self) -> float:
        return self.items * self.latency_s / self.concurrency

    @property
    def cells_per_s(self) -> float:
        return self.items / self.seconds


def warm_up(server: Server, fake: FakeModels, latency_s: float = LATENCY_S) -> None:
    """One small run first: a fresh process takes ~1 s to pick up its first chunk (DBOS starts
    polling a queue registered after launch on its next refresh), which is start-up, not the
    engine's throughput."""
    run_evaluation(server, fake, 20, latency_s)


def run_evaluation(
    server: Server, fake: FakeModels, items: int, latency_s: float = LATENCY_S
) -> float:
    """Seconds from the create request until the evaluation is seen completed."""
    body = {
        "name": "bench",
        "data": [{"input": f"question {i}"} for i in range(items)],
        "tasks": [
            {
                "task_type": "chat_completion",
                "alias": "answer",
                "configuration": {
                    "model": "openai/fake-chat",
                    "messages": [{"role": "user", "content": "item.input"}],
                },
            }
        ],
    }
    fake.reset()
    fake.control(latency_ms=latency_s * 1000)
    with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=120) as http:
        started = time.perf_counter()
        evaluation = http.post("/v5/evaluations", json=body).raise_for_status().json()
        while evaluation["status"] == "running":
            time.sleep(0.05)
            evaluation = http.get(f"/v5/evaluations/{evaluation['id']}").raise_for_status().json()
        seconds = time.perf_counter() - started
    progress = evaluation["progress"]["items"]
    if evaluation["status"] != "completed" or progress["successful"] != items:
        raise RuntimeError(f"run ended {evaluation['status']} with {progress}")
    if fake.stats()["total"] != items:
        raise RuntimeError(f"{fake.stats()['total']} model calls for {items} items")
    return seconds


def engine_env(fake: FakeModels, concurrency: int, *, traces: bool = True) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "bench",
        "YARDSTICK_MODEL_CONCURRENCY": str(concurrency),
        "YARDSTICK_TRACE_RUNS": "true" if traces else "false",
    }


def start_workers(server: Server, count: int) -> list[subprocess.Popen[bytes]]:
    workers = []
    for index in range(count):
        log = open(server.work_dir / f"worker-{index}.log", "ab")  # noqa: SIM115 - the child process writes to it for its whole life
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "yardstick.cli", "worker"],
                env={**server.env, "YARDSTICK_WORKER_ID": f"bench-worker-{index}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    time.sleep(3)  # launched and polling their queue
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


def embedded_runs(backend: Backend, fake: FakeModels, other: OtherLoad) -> list[Run]:
    """Each size twice, traces of the run off then on (YARDSTICK_TRACE_RUNS)."""
    runs = []
    for items, concurrency in RUNS:
        for traces in (False, True):
            label = "serve, traced" if traces else "serve, untraced"
            database = backend.new_database(f"engine{items}c{concurrency}{'t' if traces else 'u'}")
            env = engine_env(fake, concurrency, traces=traces)
            with Server(database, backend.tmp, env=env) as server:
                warm_up(server, fake)
                cpu = server.cpu_seconds()
                with other.measure(server.cpu_seconds):
                    seconds = run_evaluation(server, fake, items)
                runs.append(Run(label, items, concurrency, seconds, server.cpu_seconds() - cpu))
    return runs


def worker_runs(backend: Backend, fake: FakeModels, other: OtherLoad) -> list[Run]:
    """One and two workers at 50 ms (CPU-bound on 2 cores) and at 500 ms (waiting-bound)."""
    items, concurrency = WORKER_RUN
    runs = []
    for latency_s in WORKER_LATENCIES:
        for count in (1, 2):
            database = backend.new_database(f"workers{count}")
            with Server(
                database, backend.tmp, env=engine_env(fake, concurrency), args=["--no-worker"]
            ) as server:
                workers = start_workers(server, count)
                try:
                    warm_up(server, fake, latency_s)
                    with other.measure(server.cpu_seconds):
                        seconds = run_evaluation(server, fake, items, latency_s)
                finally:
                    stop_workers(workers)
            label = f"{count} worker{'s' if count > 1 else ''}, {latency_s * 1000:.0f} ms"
            runs.append(Run(label, items, concurrency, seconds, 0.0, latency_s))
    return runs


@benchmark("engine")
def run(backend: Backend) -> None:
    other = OtherLoad()
    fake = start_fake_models()
    try:
        runs = embedded_runs(backend, fake, other)
        workers = worker_runs(backend, fake, other) if backend.kind == "postgresql" else []
    finally:
        fake.stop()

    targets = backend.kind == "sqlite"
    rows = []
    for r in runs:
        if r.concurrency == 32:
            target, ok = (
                f"floor/wall >= {TARGET_FLOOR_SHARE_AT_32:.0%}",
                r.floor_s / r.seconds >= TARGET_FLOOR_SHARE_AT_32,
            )
        elif r.items == 10_000:
            target, ok = (
                f">= {TARGET_CELLS_PER_S_AT_256:,} cells/s",
                r.cells_per_s >= TARGET_CELLS_PER_S_AT_256,
            )
        else:
            target, ok = "", True
        met = ("yes" if ok else "NO") if targets and target else ""
        rows.append(
            (
                r.label,
                f"{r.items:,}",
                str(r.concurrency),
                f"{r.seconds:.2f}",
                f"{r.cells_per_s:,.0f}",
                f"{r.server_cpu_s * 1000 / r.items:.2f}",
                f"{r.floor_s:.2f}",
                f"{r.floor_s / r.seconds:.0%}",
                target,
                met,
            )
        )
    for r in workers:
        rows.append(
            (
                r.label,
                f"{r.items:,}",
                str(r.concurrency),
                f"{r.seconds:.2f}",
                f"{r.cells_per_s:,.0f}",
                "",
                f"{r.floor_s:.2f}",
                "",
                "",
                "",
            )
        )
    print(
        f"one chat_completion task per item; fake model latency {LATENCY_S * 1000:.0f} ms; database: {backend.kind}"
    )
    print(
        table(
            (
                "process",
                "items",
                "concurrency",
                "wall s",
                "cells/s",
                "server CPU ms/cell",
                "floor s",
                "floor/wall",
                "target",
                "met",
            ),
            rows,
        )
    )
    for off, on in zip(runs[::2], runs[1::2], strict=True):
        print(
            f"traces at {on.items:,} items, concurrency {on.concurrency}: wall "
            f"{on.seconds / off.seconds - 1:+.0%}, server CPU per cell "
            f"{on.server_cpu_s / off.server_cpu_s - 1:+.0%} (target: wall <= +"
            f"{TARGET_TRACE_SLOWDOWN:.0%})"
        )
    for one, two in zip(workers[::2], workers[1::2], strict=True):
        print(
            f"two workers vs one at {WORKER_RUN[1]}, {one.latency_s * 1000:.0f} ms latency: "
            f"{one.seconds / two.seconds:.2f}x (target >= {TARGET_TWO_WORKER_SPEEDUP}x)"
        )
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the timed phases"
    )
