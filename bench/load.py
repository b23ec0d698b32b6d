"""`load`: a bounded mixed workload of 64 concurrent clients against one `yardstick serve`.

One server (API and engine in one process, the model vendor pointed at the fake OpenAI-compatible
server) on a fresh database. First the machine's own ceiling in the same run: 64 clients calling
`GET /health` (no auth, one `SELECT` of the schema revision) for a few seconds → req/s. Then 64
clients (asyncio on uvloop, one httpx connection each, in this process) for BENCH_LOAD_SECONDS
(default 40), each a sequential loop of operations drawn at random (seeded per client) from a
realistic mix (`OPS`): datasets created with 50 rows, 50-row batches added, items patched and
deleted, lists paged (datasets; items from a random cursor), items and datasets read by id,
evaluations of 20 rows created (rows with an f1 metric task; 20 items picked from a dataset;
rows with a chat completion on the fake model then f1 of its answer), evaluations and their
items read, questions created and read, small files uploaded and downloaded, a create replayed
with its Idempotency-Key, traces of 20 spans written in one insert-only batch (half with an
Idempotency-Key, replayed now and then) and searched by trace id, and requests that must be refused (bad bodies → 422, unknown ids →
404), counted apart from errors.

Every client knows what the server acknowledged and checks every read against it (a page of
items must be exactly the next live rows after its cursor). After the load, every evaluation is
awaited and everything acknowledged is read back: each dataset's items in row order with their
data, each evaluation's items with their f1 (computed here with the scorer's own function) and
answers, each file's bytes, each question, each trace's spans.

Printed: per operation count, req/s, p50/p99/max latency and errors; totals; errors (unexpected
statuses, 5xx, connection errors and timeouts), read mismatches, items lost and unexpected items
(all must be 0: the benchmark raises otherwise); the write tail (p99/max of every write) against
SQLite's busy timeout (30 s, `yardstick.db.engine`); how long the engine took to finish the
evaluations after the load; server and client CPU; the other processes' load.

BENCH_LOAD_SECONDS and BENCH_LOAD_CLIENTS override the duration and the number of clients.
"""

import asyncio
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvloop

from bench.backend import Backend
from bench.load_workload import (
    BUSY_TIMEOUT_S,
    CLIENTS,
    ERROR_SAMPLES,
    EVAL_ROWS,
    HEALTH_SECONDS,
    OPS,
    REQUEST_TIMEOUT_S,
    ROW_BYTES,
    ROWS,
    SECONDS,
    SETTLE_TIMEOUT_S,
    Client,
    DatasetState,
    EvaluationState,
    Stats,
    expected_cells,
    request,
)
from bench.machine import OtherLoad, own_seconds
from bench.registry import benchmark
from bench.report import percentile, table
from bench.server import Server
from tests.fixtures.fake_model_server import start_fake_models


@dataclass
class Verdict:
    lost: Counter[str] = field(default_factory=Counter)  # acknowledged, then missing or wrong
    unexpected: Counter[str] = field(default_factory=Counter)  # present, never acknowledged
    expected: Counter[str] = field(default_factory=Counter)
    not_completed: int = 0
    settle_s: float = 0.0
    samples: list[str] = field(default_factory=list)

    def note(self, detail: str) -> None:
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(detail)


async def list_all(
    http: httpx.AsyncClient, stats: Stats, path: str, params: dict[str, Any]
) -> list[dict[str, Any]] | None:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_params = {**params, "limit": 1000}
        if cursor:
            page_params["starting_after"] = cursor
        response = await request(http, stats, "verify", "GET", path, params=page_params)
        if response is None:
            return None
        page = response.json()
        items += page["items"]
        if not page["has_more"]:
            return items
        cursor = page["items"][-1]["id"]


async def settle(
    http: httpx.AsyncClient, stats: Stats, evaluations: list[EvaluationState], verdict: Verdict
) -> None:
    """Wait until no evaluation is running (or SETTLE_TIMEOUT_S passed)."""
    started = time.perf_counter()
    waiting = {evaluation.id for evaluation in evaluations}
    while waiting and time.perf_counter() - started < SETTLE_TIMEOUT_S:
        for evaluation_id in sorted(waiting):
            response = await request(
                http, stats, "verify", "GET", f"/v5/evaluations/{evaluation_id}"
            )
            if response is not None and response.json()["status"] != "running":
                waiting.discard(evaluation_id)
            elif response is not None:
                break  # the oldest still runs: the newer ones surely too
        if waiting:
            await asyncio.sleep(0.5)
    verdict.settle_s = time.perf_counter() - started


async def verify(http: httpx.AsyncClient, stats: Stats, clients: list[Client]) -> Verdict:
    verdict = Verdict()
    evaluations = [e for client in clients for e in client.evaluations]
    await settle(http, stats, evaluations, verdict)
    limit = asyncio.Semaphore(8)

    async def dataset(dataset_id: str, state: DatasetState) -> None:
        live = state.live()
        verdict.expected["dataset items"] += len(live)
        async with limit:
            items = await list_all(http, stats, "/v5/dataset-items", {"dataset_id": dataset_id})
        if items is None:
            verdict.lost["datasets"] += 1
            verdict.lost["dataset items"] += len(live)
            return
        got = {item["id"]: item["data"] for item in items}
        for item_id in live:
            if got.get(item_id) != state.data[item_id]:
                verdict.lost["dataset items"] += 1
                verdict.note(f"dataset item {item_id} of {dataset_id}: {got.get(item_id)!r:.200}")
        verdict.unexpected["dataset items"] += len(set(got) - set(live))
        if [item["id"] for item in items] != [i for i in live if i in got]:
            verdict.note(f"dataset {dataset_id}: items out of row order")
            verdict.lost["datasets out of row order"] += 1

    async def evaluation(evaluation: EvaluationState) -> None:
        verdict.expected["evaluation items"] += len(evaluation.rows)
        async with limit:
            response = await request(
                http, stats, "verify", "GET", f"/v5/evaluations/{evaluation.id}"
            )
            items = await list_all(
                http, stats, "/v5/evaluation-items", {"evaluation_id": evaluation.id}
            )
        if response is None or items is None:
            verdict.lost["evaluations"] += 1
            verdict.lost["evaluation items"] += len(evaluation.rows)
            return
        if response.json()["status"] != "completed":
            verdict.not_completed += 1
            verdict.note(f"evaluation {evaluation.id}: {response.json()['status']}")
        verdict.unexpected["evaluation items"] += max(0, len(items) - len(evaluation.rows))
        for index, row in enumerate(evaluation.rows):
            item = items[index] if index < len(items) else None
            data = item["data"] if item else {}
            want = expected_cells(row, evaluation.chat)
            ok = item is not None and all(data.get(k) == v for k, v in row.items())
            ok = ok and data.get("answer") == want.get("answer")
            f1 = data.get("f1")
            ok = ok and isinstance(f1, float) and abs(f1 - want["f1"]) < 1e-9
            if not ok:
                verdict.lost["evaluation items"] += 1
                verdict.note(f"evaluation {evaluation.id} row {index}: {item!r:.300}")

    async def file(file_id: str, content: bytes) -> None:
        verdict.expected["files"] += 1
        async with limit:
            response = await request(http, stats, "verify", "GET", f"/v5/files/{file_id}/content")
        if response is None or response.content != content:
            verdict.lost["files"] += 1

    async def question(question_id: str, body: dict[str, Any]) -> None:
        verdict.expected["questions"] += 1
        async with limit:
            response = await request(http, stats, "verify", "GET", f"/v5/questions/{question_id}")
        if response is None or any(response.json()[k] != body[k] for k in ("name", "prompt")):
            verdict.lost["questions"] += 1

    async def trace(trace_id: str, ids: list[str]) -> None:
        verdict.expected["spans"] += len(ids)
        async with limit:
            response = await request(
                http, stats, "verify", "POST", "/v5/spans/search", body={"trace_ids": [trace_id]}
            )
        if response is None:
            verdict.lost["spans"] += len(ids)
            return
        found = {item["id"] for item in response.json()["items"]}
        verdict.lost["spans"] += len(set(ids) - found)
        verdict.unexpected["spans"] += len(found - set(ids))

    checks: list[Awaitable[None]] = []
    for client in clients:
        checks += [trace(i, ids) for i, ids in client.traces.items()]
        checks += [dataset(i, s) for i, s in client.datasets.items()]
        checks += [evaluation(e) for e in client.evaluations]
        checks += [file(i, c) for i, c in client.files.items()]
        checks += [question(i, q) for i, q in client.questions.items()]
    await asyncio.gather(*checks)
    verdict.expected["datasets"] = sum(len(c.datasets) for c in clients)
    verdict.expected["evaluations"] = len(evaluations)
    return verdict


# The run --------------------------------------------------------------------------------------


async def hammer(
    server: Server, clients: int, work: Callable[[int, httpx.AsyncClient], Awaitable[None]]
) -> None:
    """`clients` concurrent loops, each with its own connection, running `work(number, http)`."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    https = [
        httpx.AsyncClient(
            base_url=server.base_url,
            headers=server.headers,
            timeout=REQUEST_TIMEOUT_S,
            limits=limits,
        )
        for _ in range(clients)
    ]
    try:
        async with asyncio.TaskGroup() as group:
            for number, http in enumerate(https):
                group.create_task(work(number, http))
    finally:
        for http in https:
            await http.aclose()


async def health_ceiling(server: Server, seconds: float) -> list[float]:
    stats = Stats()

    async def loop(_: int, http: httpx.AsyncClient) -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            await request(http, stats, "health", "GET", "/health")

    await hammer(server, CLIENTS, loop)
    if stats.errors:
        raise RuntimeError(f"/health failed: {stats.samples}")
    return stats.ms["health"]


async def workload(server: Server, stats: Stats) -> list[Client]:
    clients: list[Client] = []
    deadline = time.perf_counter() + SECONDS

    async def loop(number: int, http: httpx.AsyncClient) -> None:
        client = Client(number, http, stats)
        clients.append(client)
        await client.run(deadline)

    await hammer(server, CLIENTS, loop)
    return clients


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def server_log_problems(server: Server) -> list[str]:
    lines = server.log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if any(w in line for w in ("Traceback", "ERROR", "WARNING"))]


@dataclass
class Phase:
    """Wall seconds and the CPU seconds the server and this process used in a timed phase."""

    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def per_request(self, requests: int) -> str:
        return (
            f"server CPU {self.server_cpu / self.seconds:.2f} cores "
            f"({self.server_cpu * 1000 / requests:.2f} ms/request), client CPU "
            f"{self.client_cpu / self.seconds:.2f} cores "
            f"({self.client_cpu * 1000 / requests:.2f} ms/request)"
        )


def timed(server: Server, other: OtherLoad, coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Runs `coroutine`; returns its result and the Phase it took."""
    phase = Phase()
    cpu, own = server.cpu_seconds(), own_seconds()
    with other.measure(server.cpu_seconds):
        started = time.perf_counter()
        result = run_async(coroutine)
        phase.seconds = time.perf_counter() - started
    phase.server_cpu, phase.client_cpu = server.cpu_seconds() - cpu, own_seconds() - own
    return result, phase


@benchmark("load")
def run(backend: Backend) -> None:
    other = OtherLoad()
    fake = start_fake_models()
    stats = Stats()
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "bench"}
    try:
        with Server(backend.new_database("load"), backend.tmp, env=env) as server:
            print(f"server pid {server.pid} on {backend.kind}, log {server.log_path}", flush=True)
            health_ms, health = timed(server, other, health_ceiling(server, HEALTH_SECONDS))
            clients, load = timed(server, other, workload(server, stats))
            verify_stats = Stats()
            client = httpx.AsyncClient(
                base_url=server.base_url, headers=server.headers, timeout=REQUEST_TIMEOUT_S
            )

            async def check() -> Verdict:
                async with client:
                    return await verify(client, verify_stats, clients)

            verdict = run_async(check())
            model_calls = fake.stats()["total"]
            log_problems = server_log_problems(server)
    finally:
        fake.stop()
    report(
        backend, stats, verify_stats, verdict, clients, health_ms, health, load, other,
        model_calls, log_problems,
    )  # fmt: skip


def nonzero(counts: Counter[str]) -> str:
    """` {kind: count}` of the non-zero counts, or nothing."""
    return f" { ({k: v for k, v in counts.items() if v}) }" if any(counts.values()) else ""


def p(ms: list[float], pct: float) -> str:
    return f"{percentile(ms, pct):,.1f}" if ms else "-"


def report(
    backend: Backend,
    stats: Stats,
    verify_stats: Stats,
    verdict: Verdict,
    clients: list[Client],
    health_ms: list[float],
    health: Phase,
    load: Phase,
    other: OtherLoad,
    model_calls: int,
    log_problems: list[str],
) -> None:
    print(
        f"{CLIENTS} clients (asyncio, one connection each) for {SECONDS:g} s; "
        f"database: {backend.kind}; {ROWS} rows per dataset create or batch, "
        f"{EVAL_ROWS} per evaluation; a row is ~{ROW_BYTES} B of JSON"
    )
    health_rate = len(health_ms) / health.seconds
    print(
        f"ceiling: GET /health at {CLIENTS} clients for {HEALTH_SECONDS:g} s: "
        f"{health_rate:,.0f} req/s, p50 {p(health_ms, 50)} ms, p99 {p(health_ms, 99)} ms; "
        f"{health.per_request(len(health_ms))}"
    )
    load_s = load.seconds
    rows = []
    for kind in ("write", "read", "refused"):
        for name, (op_kind, _) in OPS.items():
            ms = stats.ms.get(name, [])
            if op_kind != kind or not ms:
                continue
            rows.append(
                (
                    name,
                    kind,
                    f"{len(ms):,}",
                    f"{len(ms) / load_s:,.1f}",
                    p(ms, 50),
                    p(ms, 99),
                    f"{max(ms):,.1f}",
                    str(stats.errors[name] + stats.mismatches[name]),
                )
            )
    every = [ms for values in stats.ms.values() for ms in values]
    writes = [ms for name, values in stats.ms.items() if OPS[name][0] == "write" for ms in values]
    reads = [ms for name, values in stats.ms.items() if OPS[name][0] == "read" for ms in values]
    for label, values in (("all writes", writes), ("all reads", reads), ("all", every)):
        rows.append(
            (
                label,
                "",
                f"{len(values):,}",
                f"{len(values) / load_s:,.1f}",
                p(values, 50),
                p(values, 99),
                f"{max(values):,.1f}",
                "",
            )
        )
    print(
        table(("operation", "kind", "count", "req/s", "p50 ms", "p99 ms", "max ms", "errors"), rows)
    )
    total = len(every)
    errors = sum(stats.errors.values()) + sum(verify_stats.errors.values())
    mismatches = sum(stats.mismatches.values())
    lost = sum(verdict.lost.values())
    unexpected = sum(verdict.unexpected.values())
    refused = sum(len(stats.ms[n]) for n, (k, _) in OPS.items() if k == "refused")
    chat_cells = sum(len(e.rows) for c in clients for e in c.evaluations if e.chat)
    print(
        f"total {total:,} requests in {load_s:.1f} s = {total / load_s:,.0f} req/s "
        f"({total / load_s / health_rate:.0%} of the /health ceiling); "
        f"{refused:,} refused as expected (422/404)"
    )
    kinds = stats.kinds + verify_stats.kinds
    print(
        f"errors (unexpected status, 5xx, connection, timeout): {errors} (must be 0)"
        f"{nonzero(kinds)}; read mismatches while loaded: {mismatches} (must be 0)"
    )
    expected = ", ".join(f"{v:,} {k}" for k, v in verdict.expected.items())
    print(f"acknowledged and read back after the load: {expected}")
    print(
        f"items lost: {lost} (must be 0){nonzero(verdict.lost)}; unexpected items: "
        f"{unexpected} (must be 0){nonzero(verdict.unexpected)}; evaluations not completed: "
        f"{verdict.not_completed} (must be 0); all evaluations done {verdict.settle_s:.1f} s "
        f"after the load ended"
    )
    print(f"model calls: {model_calls:,} for {chat_cells:,} chat cells")
    if writes:
        tail_p99, tail_max = percentile(writes, 99) / 1000, max(writes) / 1000
        over = ", ".join(
            f"{sum(ms > limit * 1000 for ms in writes) / len(writes):.1%} over {limit:g} s"
            for limit in (1, 10)
        )
        budget = f"SQLite's busy timeout ({BUSY_TIMEOUT_S:g} s)"
        if backend.kind != "sqlite":  # no busy timeout; the connection pool's wait is 30 s too
            budget = f"{BUSY_TIMEOUT_S:g} s (SQLite's busy timeout; here the pool's wait limit)"
        print(
            f"write tail: p50 {percentile(writes, 50) / 1000:.2f} s, p99 {tail_p99:.2f} s, max "
            f"{tail_max:.2f} s ({over}); against {budget}: p99 at "
            f"{tail_p99 / BUSY_TIMEOUT_S:.1%}, max at {tail_max / BUSY_TIMEOUT_S:.1%}"
        )
    print(f"load: {load.per_request(total)}")
    note = " (PostgreSQL and the fake model server among them)"
    print(
        f"other processes{note} kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the "
        "timed phases"
    )
    print(f"server log lines with Traceback, ERROR or WARNING: {len(log_problems)}")
    for line in log_problems[:5]:
        print(f"  {line[:300]}")
    samples = stats.samples + verify_stats.samples + verdict.samples
    for sample in samples[:ERROR_SAMPLES]:
        print(f"  {sample[:600]}")
    if errors or mismatches or lost or unexpected or verdict.not_completed:
        raise RuntimeError(
            f"load: {errors} errors, {mismatches} mismatches, {lost} lost, "
            f"{unexpected} unexpected, {verdict.not_completed} evaluations not completed"
        )
