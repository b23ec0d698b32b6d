"""`engine`: evaluations from create to `completed`, against the machine's own limits.

A fake OpenAI-compatible model server with 50 ms latency runs in its own process. Two workloads
of 10,000 items: `chat` (one chat_completion task per item) and `chat+bleu` (the same, plus a
bleu metric task scoring its answer against the item's expected text: two cells per item).

Each figure is printed beside the limit it is held to, measured in the same run:

- at 32 in flight the run waits on the model, and the limit is the floor `items × latency /
  concurrency`;
- at 256 in flight the run is CPU-bound, and the limit is the *bare loop* (bench/bare_loop.py,
  a process of its own): a plain aiohttp loop against the same fake server at the same
  concurrency that commits each answer to SQLite in group commits, bounding its calls as the
  engine does (yardstick.execution.slots), and for `chat+bleu` also scores it with Yardstick's
  bleu. The least any engine must do. It runs
  right before the workload's Yardstick runs and again right after them, and the limit is the
  two together: the VMs these run on have changed speed by up to 3x within minutes, and a
  limit taken on one side only could meet another machine than the runs did. Both rates are
  printed.

Every Yardstick run is made with the run's traces off and on (YARDSTICK_TRACE_RUNS; on is the
default), in ROUNDS alternated pairs (off then on, on then off, ...), each on a fresh database
and server warmed up by one 20-item run of the same workload: one pair cannot tell the traces'
cost from the VM's, whose speed moved chat at 256 by up to 1.7x between runs. Printed per run:
wall time (create request to `completed` seen by polling every 50 ms), items/s, CPU ms per
item (the server's with its scorer processes; the bare loop's own), the limit and the ratio to
it; then, for each workload, traced and untraced, the median of its rounds' ratios, which the
target is held to. Traces on against off is compared within each round, the target held to
the median of the rounds. A traced run's calls become spans behind it
(yardstick.span.run_trace_queue), so for each traced run the bench also times the first search
of its spans after `completed`, which writes what is still queued. On PostgreSQL, also `serve
--no-worker` with one and with two `yardstick worker` processes at 256 to show how workers
share a run.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.backend import Backend, sqlite_path
from bench.bare_loop import question, reference
from bench.machine import OtherLoad, process_cpu_seconds, tree_cpu_seconds
from bench.registry import benchmark
from bench.report import table
from bench.server import Server
from tests.fixtures.fake_model_server import FakeModels, start_fake_models

LATENCY_S = 0.05
ITEMS = 10_000
CHAT = "chat"
CHAT_BLEU = "chat+bleu"
# (workload, concurrency): at 32 held to the floor, at 256 to the bare loop.
RUNS = [(CHAT, 32), (CHAT, 256), (CHAT_BLEU, 256)]
ROUNDS = 3  # alternated pairs of runs, traces off and on, of each
BARE_CONCURRENCY = 256
TARGET_FLOOR_SHARE_AT_32 = 0.85
TARGET_BARE_SHARE = {CHAT: 0.60, CHAT_BLEU: 0.70}
WORKER_RUN = (10_000, 256)
WORKER_LATENCIES = (0.05, 0.5)
TARGET_TWO_WORKER_SPEEDUP = 1.7
TARGET_TRACE_SLOWDOWN = 0.10


@dataclass
class Run:
    label: str
    workload: str
    items: int
    concurrency: int
    seconds: float
    cpu_s: float
    latency_s: float = LATENCY_S
    # Traced runs: how long the first search of the run's spans took after `completed` (it
    # writes the calls still queued for the traces, yardstick.span.run_trace_queue).
    first_search_s: float | None = None
    traced: bool = False
    round: int = 0  # 1 to ROUNDS for the server's runs

    @property
    def floor_s(self) -> float:
        return self.items * self.latency_s / self.concurrency

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds


def tasks(workload: str) -> list[dict[str, Any]]:
    answer = {
        "task_type": "chat_completion",
        "alias": "answer",
        "configuration": {
            "model": "openai/fake-chat",
            "messages": [{"role": "user", "content": "item.input"}],
        },
    }
    if workload == CHAT:
        return [answer]
    bleu = {
        "task_type": "metric",
        "alias": "bleu",
        "configuration": {"type": "bleu", "candidate": "item.answer", "reference": "item.expected"},
    }
    return [answer, bleu]


def warm_up(server: Server, fake: FakeModels, workload: str, latency_s: float = LATENCY_S) -> None:
    """One small run first: a fresh process takes ~1 s to pick up its first chunk (DBOS starts
    polling a queue registered after launch on its next refresh), and the first bleu cell starts
    the scorer processes; that is start-up, not the engine's throughput."""
    run_evaluation(server, fake, workload, 20, latency_s)


def run_evaluation(
    server: Server, fake: FakeModels, workload: str, items: int, latency_s: float = LATENCY_S
) -> tuple[float, str]:
    """Seconds from the create request until the evaluation is seen completed, and its id."""
    body = {
        "name": "bench",
        "data": [{"input": question(i), "expected": reference(i)} for i in range(items)],
        "tasks": tasks(workload),
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
    return seconds, evaluation["id"]


def first_span_search(server: Server, evaluation_id: str) -> float:
    """Seconds of a search of the run's spans, the first after it completed: it writes the
    calls still queued for the run's traces first."""
    body = {"extra_metadata": {"evaluation_id": evaluation_id}}
    with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=120) as http:
        started = time.perf_counter()
        found = http.post("/v5/spans/search", params={"limit": 1}, json=body)
        seconds = time.perf_counter() - started
    if not found.raise_for_status().json()["items"]:
        raise RuntimeError("the traced run has no spans")
    return seconds


def engine_env(fake: FakeModels, concurrency: int, *, traces: bool = True) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "bench",
        "YARDSTICK_MODEL_CONCURRENCY": str(concurrency),
        "YARDSTICK_TRACE_RUNS": "true" if traces else "false",
    }


def fake_cpu(fake: FakeModels) -> float:
    return process_cpu_seconds(fake.process.pid)


def bare_run(backend: Backend, fake: FakeModels, other: OtherLoad, workload: str, side: str) -> Run:
    """The bare loop at 256, in its own process; its CPU is its own, from start to last commit.
    `side`: before or after the workload's runs, which names its database."""
    label = f"bare-{workload.replace('+', '-')}-{side}"
    # A SQLite file beside the runs' databases; on PostgreSQL, in the bench's temp directory
    # (a fresh database's name used to land in the working directory as a SQLite file).
    if backend.kind == "sqlite":
        database = sqlite_path(backend.new_database(label))
    else:
        database = str(backend.tmp / f"{label}.db")
    fake.reset()
    fake.control(latency_ms=LATENCY_S * 1000)
    command = [
        *(sys.executable, "-m", "bench.bare_loop", "--model-url", fake.base_url),
        *("--items", str(ITEMS), "--concurrency", str(BARE_CONCURRENCY), "--database", database),
        *(["--bleu"] if workload == CHAT_BLEU else []),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    with other.measure(lambda: process_cpu_seconds(process.pid) + fake_cpu(fake)):
        out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the bare loop exited with {process.returncode}")
    result = json.loads(out)
    return Run("bare loop", workload, ITEMS, BARE_CONCURRENCY, result["seconds"], result["cpu_s"])


def embedded_runs(
    backend: Backend, fake: FakeModels, other: OtherLoad
) -> tuple[list[Run], dict[str, Run]]:
    """Each run in ROUNDS pairs, traces of the run off and on (YARDSTICK_TRACE_RUNS), the order
    alternated from one round to the next; the bare loop of a workload right before and right
    after its runs at 256, so both meet the same machine. Returns the runs and the bare loops
    by workload, each as the one before and the one after."""
    runs: list[Run] = []
    bare: dict[str, tuple[Run, Run]] = {}
    for workload, concurrency in RUNS:
        at_256 = concurrency == BARE_CONCURRENCY
        before = bare_run(backend, fake, other, workload, "before") if at_256 else None
        for number in range(1, ROUNDS + 1):
            for traces in (False, True) if number % 2 else (True, False):
                runs.append(serve_run(backend, fake, other, workload, concurrency, traces, number))
        if before is not None:
            bare[workload] = (before, bare_run(backend, fake, other, workload, "after"))
    return runs, bare


def serve_run(
    backend: Backend,
    fake: FakeModels,
    other: OtherLoad,
    workload: str,
    concurrency: int,
    traces: bool,
    number: int,
) -> Run:
    """One run of ITEMS items on a fresh database and server."""
    label = "serve, traced" if traces else "serve, untraced"
    name = f"engine-{workload.replace('+', '-')}-c{concurrency}{'t' if traces else 'u'}{number}"
    env = engine_env(fake, concurrency, traces=traces)
    with Server(backend.new_database(name), backend.tmp, env=env) as server:
        warm_up(server, fake, workload)
        cpu = tree_cpu_seconds(server.pid)
        with other.measure(lambda: tree_cpu_seconds(server.pid) + fake_cpu(fake)):
            seconds, evaluation_id = run_evaluation(server, fake, workload, ITEMS)
        cpu_s = tree_cpu_seconds(server.pid) - cpu
        search_s = first_span_search(server, evaluation_id) if traces else None
    return Run(
        label, workload, ITEMS, concurrency, seconds, cpu_s, LATENCY_S, search_s, traces, number
    )


def bracket(before: Run, after: Run) -> Run:
    """The bare loops on both sides of a workload's runs, as one: their items over their time."""
    return Run(
        "bare loop",
        before.workload,
        before.items + after.items,
        before.concurrency,
        before.seconds + after.seconds,
        before.cpu_s + after.cpu_s,
    )


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
                    warm_up(server, fake, CHAT, latency_s)
                    with other.measure(server.cpu_seconds):
                        seconds, _ = run_evaluation(server, fake, CHAT, items, latency_s)
                finally:
                    stop_workers(workers)
            label = f"{count} worker{'s' if count > 1 else ''}, {latency_s * 1000:.0f} ms"
            runs.append(Run(label, CHAT, items, concurrency, seconds, 0.0, latency_s))
    return runs


def target_share(r: Run) -> float:
    """The least share of its limit the run is held to."""
    return TARGET_FLOOR_SHARE_AT_32 if r.concurrency == 32 else TARGET_BARE_SHARE[r.workload]


def limit_and_target(r: Run, bare: dict[str, Run]) -> tuple[str, float, str]:
    """The limit `r` is held to, the ratio to it, and the target."""
    target = target_share(r)
    if r.concurrency == 32:
        return f"floor {r.floor_s:.2f} s", r.floor_s / r.seconds, f">= {target:.0%} of floor"
    limit = bare[r.workload]
    share = r.items_per_s / limit.items_per_s
    return f"bare {limit.items_per_s:,.0f}/s", share, f">= {target:.0%} of bare"


def row(r: Run, bare: dict[str, Run]) -> tuple[str, ...]:
    figures = (
        r.label,
        str(r.round) if r.round else "",
        r.workload,
        f"{r.items:,}",
        str(r.concurrency),
        f"{r.seconds:.2f}",
        f"{r.items_per_s:,.0f}",
        f"{r.cpu_s * 1000 / r.items:.2f}" if r.cpu_s else "",
    )
    if r.label == "bare loop":
        return (*figures, "", "")
    if r.label.startswith("serve"):
        limit, share, _ = limit_and_target(r, bare)
        return (*figures, limit, f"{share:.0%}")
    return (*figures, f"floor {r.floor_s:.2f} s", "")


def same_kind(runs: list[Run]) -> dict[tuple[str, int, bool], list[Run]]:
    """The server's runs by workload, concurrency and traces, in round order."""
    kinds: dict[tuple[str, int, bool], list[Run]] = {}
    for r in runs:
        kinds.setdefault((r.workload, r.concurrency, r.traced), []).append(r)
    return kinds


def median_row(
    kind: tuple[str, int, bool], rounds: list[Run], bare: dict[str, Run], targets: bool
) -> tuple[str, ...]:
    """A workload's runs, traced or not: each round's ratio to its limit, and the median of
    them, which the target is held to."""
    workload, concurrency, traced = kind
    shares = [limit_and_target(r, bare)[1] for r in rounds]
    median = statistics.median(shares)
    target = limit_and_target(rounds[0], bare)[2]
    ok = median >= target_share(rounds[0])
    return (
        "traced" if traced else "untraced",
        workload,
        str(concurrency),
        " ".join(f"{share:.0%}" for share in shares),
        f"{median:.1%}",
        target,
        ("yes" if ok else "NO") if targets else "",
    )


def trace_cost(off: list[Run], on: list[Run], targets: bool) -> str:
    """Traces on against off, round by round, and the medians the target is held to (a
    verdict only where `targets`: they are set for SQLite)."""
    walls = [b.seconds / a.seconds - 1 for a, b in zip(off, on, strict=True)]
    cpus = [b.cpu_s / a.cpu_s - 1 for a, b in zip(off, on, strict=True)]
    searches = ", ".join(f"{r.first_search_s:.2f}" for r in on if r.first_search_s is not None)
    median = statistics.median(walls)
    verdict = "met" if median <= TARGET_TRACE_SLOWDOWN else "NOT met"
    return (
        f"traces on vs off, {on[0].workload} at {on[0].concurrency}: wall "
        f"{' '.join(f'{w:+.0%}' for w in walls)} in the {len(walls)} rounds, median "
        f"{median:+.1%} (target: <= +{TARGET_TRACE_SLOWDOWN:.0%}"
        f"{f': {verdict}' if targets else ''}); server CPU per item "
        f"median {statistics.median(cpus):+.0%}; the first search of its spans after "
        f"`completed` took {searches} s (it writes the calls still queued for the traces)"
    )


@benchmark("engine")
def run(backend: Backend) -> None:
    other = OtherLoad()
    fake = start_fake_models()
    try:
        runs, bare_sides = embedded_runs(backend, fake, other)
        workers = worker_runs(backend, fake, other) if backend.kind == "postgresql" else []
    finally:
        fake.stop()

    bare = {workload: bracket(*sides) for workload, sides in bare_sides.items()}
    targets = backend.kind == "sqlite"
    print(
        f"{ITEMS:,} items; chat: one chat_completion task per item; chat+bleu: and a bleu metric "
        f"of its answer; fake model latency {LATENCY_S * 1000:.0f} ms; {ROUNDS} rounds of each "
        f"run untraced and traced; database: {backend.kind}"
    )
    headers = (
        "process",
        "round",
        "workload",
        "items",
        "concurrency",
        "wall s",
        "items/s",
        "CPU ms/item",
        "limit",
        "ratio",
    )
    rows = [row(r, bare) for r in [*bare.values(), *runs, *workers]]
    print(table(headers, rows))
    kinds = same_kind(runs)
    medians = [median_row(kind, rounds, bare, targets) for kind, rounds in kinds.items()]
    print(
        table(
            ("traces", "workload", "concurrency", "ratio each round", "median", "target", "met"),
            sorted(medians, key=lambda m: (m[1], int(m[2]), m[0] == "traced")),
        )
    )
    for workload, (before, after) in bare_sides.items():
        print(
            f"bare loop, {workload} at {BARE_CONCURRENCY}: {before.items_per_s:,.0f} items/s "
            f"before the runs, {after.items_per_s:,.0f} after (the limit is both together)"
        )
    for workload, concurrency in RUNS:
        off, on = kinds[workload, concurrency, False], kinds[workload, concurrency, True]
        print(trace_cost(off, on, targets))
    for one, two in zip(workers[::2], workers[1::2], strict=True):
        print(
            f"two workers vs one at {WORKER_RUN[1]}, {one.latency_s * 1000:.0f} ms latency: "
            f"{one.seconds / two.seconds:.2f}x (target >= {TARGET_TWO_WORKER_SPEEDUP}x)"
        )
    print(
        f"other processes (not the server, the bare loop, the fake model server or this one) kept "
        f"{other.cores:.2f} of {os.cpu_count()} CPUs busy during the timed phases"
    )
