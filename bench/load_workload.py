"""The load benchmark's workload: its operations and their mix, what each client remembers it
was told, and the client that sends them (`bench.load` runs, verifies and reports)."""

import hashlib
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from yardstick.ids import new_id
from yardstick.scoring.f1 import score as f1_score

CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "64"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "40"))
HEALTH_SECONDS = 5.0
ROWS = 50  # rows per dataset create and per batch
SPANS = 20  # spans per batch: a trace, its root and 19 children
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
    "write_spans": ("write", 4),
    "replay_spans": ("write", 1),
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
    "search_spans": ("read", 2),
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
        self.traces: dict[str, list[str]] = {}  # trace id → its span ids, in batch order
        self.span_replays: list[tuple[str, bytes, str]] = []  # (idempotency key, body, trace)

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

    async def write_spans(self) -> None:
        """A trace's spans in one insert-only batch, half of them with an Idempotency-Key: on
        SQLite the server commits batches sent at once together (yardstick.db.group_commit)."""
        trace, root = str(uuid.uuid4()), str(uuid.uuid4())
        start = f"2026-12-03T12:{self.number % 60:02d}:00Z"
        end = f"2026-12-03T12:{self.number % 60:02d}:01Z"
        spans = [
            {
                "id": root if i == 0 else str(uuid.uuid4()),
                "trace_id": trace,
                "parent_id": None if i == 0 else root,
                "name": f"load-{self.number}-{self.next()}",
                "start_timestamp": start,
                "end_timestamp": end,
                "input": {"row": self.row()},
                "output": {"usage": {"prompt_tokens": i, "completion_tokens": 1}},
            }
            for i in range(SPANS)
        ]
        body = orjson.dumps({"items": spans})
        key = uuid.uuid4().hex if self.rng.random() < 0.5 else None
        headers = {"idempotency-key": key} if key else {}
        response = await self.call(
            "write_spans", "POST", "/v5/spans/batch", body=body, headers=headers
        )
        if response is None:
            return
        ids = [span["id"] for span in spans]
        self.traces[trace] = ids
        if [item["id"] for item in response.json()["items"]] != ids:
            self.stats.mismatch("write_spans", f"trace {trace}: answer is not the batch")
        if key:
            self.span_replays.append((key, body, trace))

    async def replay_spans(self) -> None:
        if not self.span_replays:
            return await self.write_spans()
        key, body, trace = self.rng.choice(self.span_replays)
        response = await self.call(
            "replay_spans", "POST", "/v5/spans/batch", body=body, headers={"idempotency-key": key}
        )
        if response is None:
            return
        ids = [item["id"] for item in response.json()["items"]]
        if ids != self.traces[trace] or response.headers.get("idempotent-replayed") != "true":
            self.stats.mismatch("replay_spans", f"key {key}: not the first response replayed")

    # reads ----------------------------------------------------------------------------------

    async def search_spans(self) -> None:
        if not self.traces:
            return await self.write_spans()
        trace = self.rng.choice(list(self.traces))
        response = await self.call(
            "search_spans", "POST", "/v5/spans/search", body={"trace_ids": [trace]}
        )
        if response is None:
            return
        found = {item["id"] for item in response.json()["items"]}
        if found != set(self.traces[trace]):
            self.stats.mismatch("search_spans", f"trace {trace}: {len(found)} spans found")

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
