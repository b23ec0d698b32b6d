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
with its Idempotency-Key, and requests that must be refused (bad bodies → 422, unknown ids →
404), counted apart from errors.

Every client knows what the server acknowledged and checks every read against it (a page of
items must be exactly the next live rows after its cursor). After the load, every evaluation is
awaited and everything acknowledged is read back: each dataset's items in row order with their
data, each evaluation's items with their f1 (computed here with the scorer's own function) and
answers, each file's bytes, each question.

Printed: per operation count, req/s, p50/p99/max latency and errors; totals; errors (unexpected
statuses, 5xx, connection errors and timeouts), read mismatches, items lost and unexpected items
(all must be 0: the benchmark raises otherwise); the write tail (p99/max of every write) against
SQLite's busy timeout (30 s, `yardstick.db.engine`); how long the engine took to finish the
evaluations after the load; server and client CPU; the other processes' load.

BENCH_LOAD_SECONDS and BENCH_LOAD_CLIENTS override the duration and the number of clients.
"""

import asyncio
import hashlib
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvloop

from bench.backend import Backend
from bench.machine import OtherLoad, own_seconds
from bench.registry import benchmark
from bench.report import percentile, table
from bench.server import Server
from tests.fixtures.fake_model_server import start_fake_models
from yardstick.ids import new_id
from yardstick.scoring.f1 import score as f1_score

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "64"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "40"))
HEALTH_SECONDS = 5.0
ROWS = 50  # rows per dataset create and per batch
PAGE = 50  # items per page while the load runs
EVAL_ROWS = 20
BUSY_TIMEOUT_S = 30.0  # PRAGMA busy_timeout=30000 in yardstick.db.engine
REQUEST_TIMEOUT_S = 120.0  # above the busy timeout: a write stuck behind it is measured, not cut
SETTLE_TIMEOUT_S = 600.0  # evaluations must finish within this after the load
ERROR_SAMPLES = 20

# name: (kind, weight). Kinds: writes change something; refused must get their 4xx.
OPS: dict[str, tuple[str, int]] = {
    "create_dataset": ("write", 3),
    "add_items": ("write", 6),
    "patch_item": ("write", 8),
    "delete_item": ("write", 1),
    "create_evaluation": ("write", 3),
    "create_question": ("write", 2),
    "upload_file": ("write", 3),
    "replay_create": ("write", 1),
    "list_datasets": ("read", 5),
    "get_dataset": ("read", 4),
    "list_items": ("read", 12),
    "get_item": ("read", 12),
    "get_evaluation": ("read", 5),
    "list_evaluation_items": ("read", 5),
    "get_evaluation_item": ("read", 3),
    "get_question": ("read", 2),
    "list_questions": ("read", 1),
    "get_file": ("read", 3),
    "refused_422": ("refused", 4),
    "refused_404": ("refused", 4),
}

# Two vocabularies with no token in common: a row's `b` is its `a` (f1 1.0) or disjoint (f1 0.0).
WORDS_A = "alpha bravo charlie delta foxtrot golf hotel india kilo".split()  # noqa: SIM905
WORDS_B = "apple banana cherry damson fig grape hazel kiwi lemon".split()  # noqa: SIM905
NOTE = "Réponse attendue ✓ — a short justification citing the context passage, " * 3
ROW_BYTES = len(orjson.dumps({"client": 63, "n": 1000, "a": "x" * 47, "b": "x" * 47, "note": NOTE}))


def f1_task(candidate: str, reference: str) -> dict[str, Any]:
    return {
        "task_type": "metric",
        "alias": "f1",
        "configuration": {"type": "f1", "candidate": candidate, "reference": reference},
    }


CHAT_TASK = {
    "task_type": "chat_completion",
    "alias": "answer",
    "configuration": {
        "model": "openai/fake-chat",
        "messages": [{"role": "user", "content": "item.a"}],
    },
}


def expected_cells(row: dict[str, Any], chat: bool) -> dict[str, Any]:
    """The task results an evaluation row must end with (the fake model answers "echo: …")."""
    if chat:
        answer = "echo: " + row["a"]
        return {"answer": answer, "f1": f1_score(answer, row["a"])}
    return {"f1": f1_score(row["a"], row["b"])}


@dataclass
class Stats:
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    mismatches: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # errors by status or exception
    samples: list[str] = field(default_factory=list)

    def error(self, op: str, detail: str, kind: str = "other") -> None:
        self.errors[op] += 1
        self.kinds[kind] += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(f"error in {op}: {detail}")

    def mismatch(self, op: str, detail: str) -> None:
        self.mismatches[op] += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(f"mismatch in {op}: {detail}")


@dataclass
class DatasetState:
    name: str
    order: list[str] = field(default_factory=list)  # item ids in row order
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def live(self) -> list[str]:
        return [i for i in self.order if i not in self.deleted]


@dataclass
class EvaluationState:
    id: str
    rows: list[dict[str, Any]]  # the input rows, in row order
    chat: bool
    item_ids: list[str] = field(default_factory=list)  # seen in lists while the load ran


async def request(
    http: httpx.AsyncClient,
    stats: Stats,
    op: str,
    method: str,
    url: str,
    *,
    expect: int = 200,
    body: Any = None,
    **kwargs: Any,
) -> httpx.Response | None:
    """One timed request; anything but `expect` is an error (recorded) and gives None."""
    if body is not None:
        kwargs["content"] = body if isinstance(body, bytes) else orjson.dumps(body)
        kwargs["headers"] = {"content-type": "application/json", **kwargs.get("headers", {})}
    started = time.perf_counter()
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        stats.ms[op].append((time.perf_counter() - started) * 1000)
        stats.error(op, f"{method} {url}: {type(exc).__name__} {exc}", type(exc).__name__)
        return None
    stats.ms[op].append((time.perf_counter() - started) * 1000)
    if response.status_code != expect:
        stats.error(
            op,
            f"{method} {url} → {response.status_code} (expected {expect}) "
            f"{response.text[:300]!r} x-request-id {response.headers.get('x-request-id')}",
            str(response.status_code),
        )
        return None
    return response


class Client:
    """One simulated user: a sequential loop of operations, checking what it reads."""

    def __init__(self, number: int, http: httpx.AsyncClient, stats: Stats) -> None:
        self.number = number
        self.http = http
        self.stats = stats
        self.rng = random.Random(number)
        self.counter = 0
        self.datasets: dict[str, DatasetState] = {}
        self.evaluations: list[EvaluationState] = []
        self.questions: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.replays: list[tuple[str, bytes, str]] = []  # (idempotency key, body, dataset id)

    async def call(self, op: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        return await request(self.http, self.stats, op, method, url, **kwargs)

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def row(self) -> dict[str, Any]:
        a = " ".join(self.rng.choice(WORDS_A) for _ in range(8))
        b = a if self.rng.random() < 0.5 else " ".join(self.rng.choice(WORDS_B) for _ in range(8))
        return {"client": self.number, "n": self.next(), "a": a, "b": b, "note": NOTE}

    async def run(self, deadline: float) -> None:
        names = list(OPS)
        weights = [OPS[name][1] for name in names]
        op = "create_dataset"
        while True:
            try:
                await getattr(self, op)()
            except Exception as exc:  # noqa: BLE001 - an answer of the wrong shape is an error too
                detail = f"answer not understood: {type(exc).__name__} {exc}"
                self.stats.error(op, detail, "client exception")
            if time.perf_counter() >= deadline:
                return
            op = self.rng.choices(names, weights)[0]

    # writes ---------------------------------------------------------------------------------

    async def create_dataset(self) -> None:
        rows = [self.row() for _ in range(ROWS)]
        name = f"load-{self.number}-{self.next()}"
        body = orjson.dumps({"name": name, "tags": [f"client-{self.number}"], "data": rows})
        key = uuid.uuid4().hex
        response = await self.call(
            "create_dataset", "POST", "/v5/datasets", body=body, headers={"idempotency-key": key}
        )
        if response is None:
            return
        dataset_id = response.json()["id"]
        self.replays.append((key, body, dataset_id))
        state = DatasetState(name)
        self.datasets[dataset_id] = state
        page = await self.call(
            "list_items",
            "GET",
            "/v5/dataset-items",
            params={"dataset_id": dataset_id, "limit": ROWS},
        )
        if page is None:
            return
        items = page.json()["items"]
        if [item["data"] for item in items] != rows:
            self.stats.mismatch("list_items", f"dataset {dataset_id}: first page is not its rows")
        for item in items:
            state.order.append(item["id"])
            state.data[item["id"]] = item["data"]

    def pick_dataset(self) -> tuple[str, DatasetState] | None:
        if not self.datasets:
            return None
        dataset_id = self.rng.choice(list(self.datasets))
        return dataset_id, self.datasets[dataset_id]

    def pick_item(self) -> tuple[str, DatasetState, str] | None:
        picked = self.pick_dataset()
        if picked is None or not picked[1].live():
            return None
        return picked[0], picked[1], self.rng.choice(picked[1].live())

    async def add_items(self) -> None:
        picked = self.pick_dataset()
        if picked is None:
            return await self.create_dataset()
        dataset_id, state = picked
        rows = [self.row() for _ in range(ROWS)]
        response = await self.call(
            "add_items",
            "POST",
            "/v5/dataset-items/batch",
            body={"dataset_id": dataset_id, "data": rows},
        )
        if response is None:
            return
        items = response.json()["items"]
        if [item["data"] for item in items] != rows:
            self.stats.mismatch("add_items", f"dataset {dataset_id}: answer is not the batch")
        for item in items:
            state.order.append(item["id"])
            state.data[item["id"]] = item["data"]

    async def patch_item(self) -> None:
        picked = self.pick_item()
        if picked is None:
            return await self.create_dataset()
        _, state, item_id = picked
        row = self.row()
        response = await self.call(
            "patch_item", "PATCH", f"/v5/dataset-items/{item_id}", body={"data": row}
        )
        if response is None:
            return
        state.data[item_id] = row
        if response.json()["data"] != row:
            self.stats.mismatch("patch_item", f"item {item_id}: answer is not the new data")

    async def delete_item(self) -> None:
        picked = self.pick_item()
        if picked is None or len(picked[1].live()) < 2:
            return
        _, state, item_id = picked
        if await self.call("delete_item", "DELETE", f"/v5/dataset-items/{item_id}"):
            state.deleted.add(item_id)

    async def create_evaluation(self) -> None:
        shape = self.rng.choice(("rows", "dataset", "chat"))
        picked = self.pick_dataset()
        body: dict[str, Any] = {"name": f"load-eval-{self.number}-{self.next()}"}
        if shape == "dataset" and picked is not None and picked[1].live():
            dataset_id, state = picked
            live = state.live()
            chosen = self.rng.sample(live, min(EVAL_ROWS, len(live)))
            rows = [state.data[item_id] for item_id in chosen]
            body |= {
                "dataset_id": dataset_id,
                "data": [{"dataset_item_id": item_id} for item_id in chosen],
                "tasks": [f1_task("item.a", "item.b")],
            }
        elif shape == "chat":
            rows = [self.row() for _ in range(EVAL_ROWS)]
            body |= {"data": rows, "tasks": [CHAT_TASK, f1_task("item.answer", "item.a")]}
        else:
            rows = [self.row() for _ in range(EVAL_ROWS)]
            body |= {"data": rows, "tasks": [f1_task("item.a", "item.b")]}
        response = await self.call(
            "create_evaluation",
            "POST",
            "/v5/evaluations",
            body=body,
            headers={"idempotency-key": uuid.uuid4().hex},
        )
        if response is not None:
            self.evaluations.append(EvaluationState(response.json()["id"], rows, shape == "chat"))

    async def create_question(self) -> None:
        question = {
            "name": f"load-q-{self.number}-{self.next()}",
            "prompt": f"Is answer {self.counter} helpful? {NOTE[:40]}",
            "question_type": "rating",
            "configuration": {"min_label": "no", "max_label": "very", "steps": 5},
        }
        response = await self.call("create_question", "POST", "/v5/questions", body=question)
        if response is not None:
            self.questions[response.json()["id"]] = question

    async def upload_file(self) -> None:
        size = self.rng.randint(512, 8192)
        content = self.rng.randbytes(size)
        name = f"load-{self.number}-{self.next()}.bin"
        response = await self.call(
            "upload_file",
            "POST",
            "/v5/files",
            files={"file": (name, content, "application/octet-stream")},
        )
        if response is None:
            return
        file = response.json()
        self.files[file["id"]] = content
        if file["size"] != size or file["md5_checksum"] != hashlib.md5(content).hexdigest():
            self.stats.mismatch("upload_file", f"file {file['id']}: size or md5 differ")

    async def replay_create(self) -> None:
        if not self.replays:
            return
        key, body, dataset_id = self.rng.choice(self.replays)
        response = await self.call(
            "replay_create", "POST", "/v5/datasets", body=body, headers={"idempotency-key": key}
        )
        if response is None:
            return
        if response.json()["id"] != dataset_id or response.headers.get("idempotent-replayed") != (
            "true"
        ):
            self.stats.mismatch("replay_create", f"key {key}: not the first response replayed")

    # reads ----------------------------------------------------------------------------------

    async def list_datasets(self) -> None:
        params: dict[str, Any] = {"limit": 20}
        if self.rng.random() < 0.3:
            params["sort_by"] = "name"
        response = await self.call("list_datasets", "GET", "/v5/datasets", params=params)
        if response is not None and len(response.json()["items"]) > 20:
            self.stats.mismatch("list_datasets", "more than `limit` datasets in a page")

    async def get_dataset(self) -> None:
        picked = self.pick_dataset()
        if picked is None:
            return
        dataset_id, state = picked
        response = await self.call("get_dataset", "GET", f"/v5/datasets/{dataset_id}")
        if response is not None and response.json()["name"] != state.name:
            self.stats.mismatch("get_dataset", f"dataset {dataset_id}: wrong name")

    async def list_items(self) -> None:
        picked = self.pick_dataset()
        if picked is None or not picked[1].order:
            return
        dataset_id, state = picked
        live = state.live()
        params: dict[str, Any] = {"dataset_id": dataset_id, "limit": PAGE}
        start = 0
        if live and self.rng.random() < 0.8:
            start = self.rng.randrange(len(live))
            params["starting_after"] = live[start]
            start += 1
        response = await self.call("list_items", "GET", "/v5/dataset-items", params=params)
        if response is None:
            return
        page = response.json()
        want = live[start : start + PAGE]
        got = [(item["id"], item["data"]) for item in page["items"]]
        if got != [(i, state.data[i]) for i in want] or page["has_more"] != (
            start + PAGE < len(live)
        ):
            self.stats.mismatch("list_items", f"dataset {dataset_id}: page after {start} differs")

    async def get_item(self) -> None:
        picked = self.pick_item()
        if picked is None:
            return
        _, state, item_id = picked
        response = await self.call("get_item", "GET", f"/v5/dataset-items/{item_id}")
        if response is not None and response.json()["data"] != state.data[item_id]:
            self.stats.mismatch("get_item", f"item {item_id}: data differs")

    def pick_evaluation(self) -> EvaluationState | None:
        return self.rng.choice(self.evaluations) if self.evaluations else None

    async def get_evaluation(self) -> None:
        evaluation = self.pick_evaluation()
        if evaluation is None:
            return
        response = await self.call("get_evaluation", "GET", f"/v5/evaluations/{evaluation.id}")
        if response is not None and response.json()["status"] not in ("running", "completed"):
            self.stats.mismatch("get_evaluation", f"evaluation {evaluation.id}: status failed")

    async def list_evaluation_items(self) -> None:
        evaluation = self.pick_evaluation()
        if evaluation is None:
            return
        response = await self.call(
            "list_evaluation_items",
            "GET",
            "/v5/evaluation-items",
            params={"evaluation_id": evaluation.id, "limit": PAGE},
        )
        if response is None:
            return
        items = response.json()["items"]
        if [item["data"]["a"] for item in items] != [row["a"] for row in evaluation.rows]:
            self.stats.mismatch("list_evaluation_items", f"evaluation {evaluation.id}: rows")
        evaluation.item_ids = [item["id"] for item in items]

    async def get_evaluation_item(self) -> None:
        evaluation = self.pick_evaluation()
        if evaluation is None or not evaluation.item_ids:
            return
        index = self.rng.randrange(len(evaluation.item_ids))
        item_id = evaluation.item_ids[index]
        response = await self.call("get_evaluation_item", "GET", f"/v5/evaluation-items/{item_id}")
        if response is not None and response.json()["data"]["a"] != evaluation.rows[index]["a"]:
            self.stats.mismatch("get_evaluation_item", f"item {item_id}: data differs")

    async def get_question(self) -> None:
        if not self.questions:
            return
        question_id = self.rng.choice(list(self.questions))
        response = await self.call("get_question", "GET", f"/v5/questions/{question_id}")
        if response is not None and (
            response.json()["prompt"] != self.questions[question_id]["prompt"]
        ):
            self.stats.mismatch("get_question", f"question {question_id}: prompt differs")

    async def list_questions(self) -> None:
        await self.call("list_questions", "GET", "/v5/questions", params={"limit": 20})

    async def get_file(self) -> None:
        if not self.files:
            return
        file_id = self.rng.choice(list(self.files))
        response = await self.call("get_file", "GET", f"/v5/files/{file_id}/content")
        if response is not None and response.content != self.files[file_id]:
            self.stats.mismatch("get_file", f"file {file_id}: bytes differ")

    # refused --------------------------------------------------------------------------------

    async def refused_422(self) -> None:
        bad_task = {"task_type": "metric", "configuration": {"type": "nope", "candidate": "x"}}
        choices: list[tuple[str, str, Any]] = [
            ("POST", "/v5/datasets", {"name": "bad", "data": []}),
            ("POST", "/v5/datasets", b'{"name": "bad", "data": [{"a": 1}'),  # cut off
            ("POST", "/v5/evaluations", {"name": "bad", "data": [{"a": "x"}], "tasks": [bad_task]}),
            ("POST", "/v5/questions", {"name": "bad", "prompt": ""}),
        ]
        picked = self.pick_item()
        if picked is not None:
            dataset_id, _, item_id = picked
            choices += [
                ("POST", "/v5/dataset-items/batch", {"dataset_id": dataset_id, "data": [1, 2]}),
                ("PATCH", f"/v5/dataset-items/{item_id}", {"data": "not an object"}),
            ]
        method, url, body = self.rng.choice(choices)
        await self.call("refused_422", method, url, body=body, expect=422)

    async def refused_404(self) -> None:
        unknown = new_id()
        method, url, body = self.rng.choice(
            [
                ("GET", f"/v5/datasets/{unknown}", None),
                ("GET", f"/v5/dataset-items/{unknown}", None),
                ("PATCH", f"/v5/dataset-items/{unknown}", {"data": {"a": "x"}}),
                ("POST", "/v5/dataset-items/batch", {"dataset_id": unknown, "data": [{"a": 1}]}),
                ("GET", f"/v5/evaluations/{unknown}", None),
                ("GET", f"/v5/evaluation-items/{unknown}", None),
                ("GET", f"/v5/files/{unknown}/content", None),
                ("GET", f"/v5/questions/{unknown}", None),
            ]
        )
        await self.call("refused_404", method, url, body=body, expect=404)


# The final check ------------------------------------------------------------------------------


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

    checks: list[Awaitable[None]] = []
    for client in clients:
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
