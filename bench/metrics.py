"""`metrics`: metric cells per second, per metric type, on this machine's cores.

(a) Through the scorer service directly (no server, no database: the scoring itself), as the
    engine calls it: every cell of a run submitted at once from coroutines on one event loop,
    the service micro-batching them onto one scorer process per core. Each text is distinct (no
    tokenizer-cache hits); the pool is warmed up (processes started, WordNet and the model
    loaded) before the clock starts. Candidates ~30 words, references ~25 words, with
    punctuation: the size of a short model answer.
(b) The same through a thread pool of as many threads, to compare executors.
(c) End to end: an evaluation of metric tasks only (no model calls) through a real server on
    the database under test, from the create request until `completed` is seen (polling every
    50 ms), after a small warm-up evaluation; cells/s, and CPU per cell of the server process
    (engine, database writes) and of its scorer processes.
"""

import asyncio
import multiprocessing
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.backend import Backend
from bench.machine import OtherLoad
from bench.registry import benchmark
from bench.report import table
from bench.server import Server
from yardstick.scoring.metrics import ScoringOptions
from yardstick.scoring.service import ScorerService

# Cells per metric type in (a); (b) runs a quarter of them.
CELLS = {
    "bleu": 20_000,
    "rouge1": 20_000,
    "rouge2": 20_000,
    "rougeL": 20_000,
    "f1": 20_000,
    "meteor": 4_000,
    "cosine_similarity": 2_000,
}
TARGET_CELLS_PER_S = 3_000  # bleu, rouge*, f1 on 2 cores (from the issue)
TARGETED = ("bleu", "rouge1", "rouge2", "rougeL", "f1")
E2E_ITEMS = 5_000
E2E_METRICS = ("bleu", "rouge1", "rougeL", "f1")

_WORDS = [
    "the",
    "model",
    "answer",
    "should",
    "cite",
    "the",
    "context",
    "passage",
    "and",
    "avoid",
    "speculation",
    "when",
    "evidence",
    "is",
    "weak",
    "or",
    "contradictory",
    "across",
    "sources",
    "while",
    "keeping",
    "a",
    "short",
    "justification",
    "for",
    "each",
    "claim",
    "about",
    "results",
    "metrics",
    "errors",
    "users",
    "data",
    "tables",
    "reports",
    "latency",
    "costs",
    "quality",
]


def texts(count: int, words: int, seed: int) -> list[str]:
    """`count` distinct sentences of about `words` words, with commas and full stops."""
    rnd = random.Random(seed)
    out = []
    for index in range(count):
        picked = [rnd.choice(_WORDS) for _ in range(words)]
        picked[rnd.randrange(3, words - 3)] += ","
        out.append(f"Answer {index}: " + " ".join(picked) + ".")
    return out


def pairs(count: int, seed: int = 0) -> list[tuple[str, str]]:
    return list(zip(texts(count, 30, seed), texts(count, 25, seed + 1)))


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu(parent: int) -> float:
    """CPU seconds of `parent`'s live child processes (the scorer pool), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == parent:
                total += _cpu(int(entry.name))
    return total


def own_scorers_cpu() -> float:
    return sum(_cpu(child.pid) for child in multiprocessing.active_children() if child.pid)


@dataclass
class Measured:
    metric: str
    executor: str
    cells: int
    seconds: float
    batches: int

    @property
    def rate(self) -> float:
        return self.cells / self.seconds


async def _measure(service: ScorerService, metric: str, work: list[tuple[str, str]]) -> Measured:
    # Warm-up: processes started, the metric's module imported and its resources loaded.
    warm = pairs(service.workers * 8, seed=99)
    await asyncio.gather(*(service.score(metric, c, r) for c, r in warm))
    batches = service.batches
    started = time.perf_counter()
    await asyncio.gather(*(service.score(metric, c, r) for c, r in work))
    seconds = time.perf_counter() - started
    return Measured(metric, service.executor_kind, len(work), seconds, service.batches - batches)


def direct(executor: str, share: float, other: OtherLoad) -> list[Measured]:
    async def main() -> list[Measured]:
        service = ScorerService(ScoringOptions(torch_threads=1), executor=executor)
        try:
            results = []
            for metric, count in CELLS.items():
                work = pairs(max(200, int(count * share)), seed=len(metric))
                with other.measure(own_scorers_cpu):
                    results.append(await _measure(service, metric, work))
            return results
        finally:
            await service.close()

    return asyncio.run(main())


def end_to_end(backend: Backend, other: OtherLoad) -> tuple[float, int, float, float]:
    """Seconds from create to `completed`, cells, and CPU seconds of the server and its scorers."""
    data = [{"output": c, "expected": r} for c, r in pairs(E2E_ITEMS, seed=7)]
    tasks = [
        {
            "task_type": "metric",
            "configuration": {
                "type": metric,
                "candidate": "item.output",
                "reference": "item.expected",
            },
        }
        for metric in E2E_METRICS
    ]
    work_dir = backend.tmp / "metrics-e2e"
    work_dir.mkdir(exist_ok=True)
    with (
        Server(backend.new_database("metrics"), work_dir) as server,
        httpx.Client(base_url=server.base_url, headers=server.headers, timeout=300) as http,
    ):
        # Warm-up run: scorer processes started and every module loaded.
        warm = {"name": "warm", "data": data[:50], "tasks": tasks}
        evaluation = http.post("/v5/evaluations", json=warm).raise_for_status().json()
        while evaluation["status"] == "running":
            time.sleep(0.1)
            evaluation = http.get(f"/v5/evaluations/{evaluation['id']}").raise_for_status().json()
        body = {"name": "bench", "data": data, "tasks": tasks}
        cpu = server.cpu_seconds()
        scorers = children_cpu(server.pid)
        with other.measure(lambda: server.cpu_seconds() + children_cpu(server.pid)):
            started = time.perf_counter()
            evaluation = http.post("/v5/evaluations", json=body).raise_for_status().json()
            while evaluation["status"] == "running":
                time.sleep(0.05)
                evaluation = (
                    http.get(f"/v5/evaluations/{evaluation['id']}").raise_for_status().json()
                )
            seconds = time.perf_counter() - started
        server_cpu = server.cpu_seconds() - cpu
        scorers_cpu = children_cpu(server.pid) - scorers
    if evaluation["status"] != "completed" or evaluation.get("error_count"):
        raise RuntimeError(f"run ended {evaluation['status']}: {evaluation.get('progress')}")
    return seconds, E2E_ITEMS * len(E2E_METRICS), server_cpu, scorers_cpu


@benchmark("metrics")
def run(backend: Backend) -> None:
    other = OtherLoad()
    processes = direct("process", 1.0, other)
    threads = direct("thread", 0.25, other)
    seconds, cells, server_cpu, scorers_cpu = end_to_end(backend, other)

    by_thread = {m.metric: m for m in threads}
    rows = []
    for m in processes:
        target = f">= {TARGET_CELLS_PER_S:,}" if m.metric in TARGETED else ""
        met = ("yes" if m.rate >= TARGET_CELLS_PER_S else "NO") if m.metric in TARGETED else ""
        t = by_thread[m.metric]
        rows.append(
            (
                m.metric,
                f"{m.cells:,}",
                f"{m.rate:,.0f}",
                f"{m.cells / m.batches:,.0f}",
                f"{t.rate:,.0f}",
                f"{m.rate / t.rate:.1f}x",
                target,
                met,
            )
        )
    print(
        f"(a)/(b) scorer service, {os.cpu_count()} workers, all cells of a metric submitted at "
        "once; texts ~30 / ~25 words, all distinct"
    )
    print(
        table(
            (
                "metric",
                "cells",
                "process pool cells/s",
                "cells/batch",
                "thread pool cells/s",
                "process/thread",
                "target",
                "met",
            ),
            rows,
        )
    )
    print(
        f"(c) end to end: {E2E_ITEMS:,} items x {len(E2E_METRICS)} metric tasks "
        f"({', '.join(E2E_METRICS)}) = {cells:,} cells on {backend.kind}: {seconds:.1f} s, "
        f"{cells / seconds:,.0f} cells/s; CPU per cell: server process "
        f"{server_cpu * 1000 / cells:.2f} ms, scorer processes {scorers_cpu * 1000 / cells:.2f} ms"
    )
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy "
        "during the timed phases"
    )
