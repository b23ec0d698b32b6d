"""Every route answers with the shape `/openapi.json` publishes for it.

One server (SQLite, the engine on, models on the fake model server) for the module. A scenario
calls every operation the description lists, with realistic data (a dataset, an evaluation
whose tasks run to completion with one failing item, questions, models, files, credentials,
secrets, exports, inference), plus the usual errors; `Shapes` (shapes.py) checks each response
against the operation's declared response for its status. The test fails on any difference,
and on any operation that never answered 2xx: a new route needs a call here.
"""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.agreement.helpers import Given, contributor_task, write_answers
from tests.annotation.shapes import exercise_annotation
from tests.evaluation_dashboard.shapes import exercise_dashboards
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, run_server
from tests.openapi.shapes import Shapes
from tests.rubric.shapes import exercise_rubrics
from tests.span.otlp_requests import export_request, make_span, to_json
from yardstick.db.engine import create_db_engine

MODEL = "openai/fake-chat"
V5_SCHEMES = [{"ApiKey": [], "AccountId": []}]

# Operations the scenario cannot make answer 2xx, each with the reason. Keep it empty where
# possible: every entry is a route whose success shape nobody checks.
NOT_EXERCISED: dict[str, str] = {}

LENGTH = "def answer_length(answer: str) -> int:\n    return len(answer.split())\n"


@pytest.fixture(scope="module")
def shape_server(
    fake_model_server: FakeModels, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("openapi")
    providers = tmp / "providers.toml"
    providers.write_text(f'[vendors.llmengine]\nbase_url = "{fake_model_server.base_url}"\n')
    yield from run_server(
        "sqlite",
        tmp,
        OPENAI_BASE_URL=fake_model_server.base_url,
        OPENAI_API_KEY="test-key",
        YARDSTICK_PROVIDERS_FILE=str(providers),
        YARDSTICK_MODEL_MAX_ATTEMPTS="1",
        YARDSTICK_MODEL_TIMEOUT_SECONDS="10",
    )


@pytest.fixture(scope="module")
def spec(shape_server: Server) -> dict[str, Any]:
    response = httpx.get(f"{shape_server.base_url}/openapi.json", timeout=60)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


class Api:
    """Raw HTTP as account A; every response is checked against the description."""

    def __init__(self, server: Server, shapes: Shapes) -> None:
        self.server = server
        self.shapes = shapes
        headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
        self.http = httpx.Client(base_url=server.base_url, headers=headers, timeout=60)

    def call(self, method: str, path: str, *, status: int = 200, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        self.shapes.check(response)
        assert response.status_code == status, (
            f"{method} {path}: {response.status_code} {response.text[:1000]}"
        )
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs).json()

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs).json()

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.call("PATCH", path, **kwargs).json()

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.call("DELETE", path, **kwargs).json()

    def wait_until_done(self, evaluation_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            evaluation: dict[str, Any] = self.get(f"/v5/evaluations/{evaluation_id}")
            if evaluation["status"] != "running":
                return evaluation
            time.sleep(0.1)
        raise AssertionError(f"evaluation {evaluation_id} still running after {timeout}s")


def test_openapi_declares_the_two_auth_headers(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert {name: (s["type"], s["in"], s["name"]) for name, s in schemes.items()} == {
        "ApiKey": ("apiKey", "header", "x-api-key"),
        "AccountId": ("apiKey", "header", "x-selected-account-id"),
    }
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {template}"
            if template.startswith(("/v5/", "/v1/")):
                # Both headers, in one requirement: each on its own would mean either will do.
                assert operation.get("security") == V5_SCHEMES, where
                assert {"401", "403", "default"} <= set(operation["responses"]), where
            else:
                assert "security" not in operation, where


def test_every_route_answers_with_its_documented_shape(
    shape_server: Server, spec: dict[str, Any], fake_model_server: FakeModels
) -> None:
    fake_model_server.reset()
    shapes = Shapes(spec)
    api = Api(shape_server, shapes)
    try:
        _operations_without_auth(api)
        dataset_id = _datasets(api)
        _evaluations(api, dataset_id)
        _questions(api)
        _models(api)
        _files(api)
        _inference(api, fake_model_server)
        _credentials(api)
        _secrets(api)
        _evaluation_groups(api)
        exercise_dashboards(api)
        exercise_rubrics(api)
        exercise_annotation(api)
        _comparisons(api)
        _spans(api)
        _traces(api)
        _errors(api, shape_server)
    finally:
        api.http.close()

    assert not shapes.problems, "responses that differ from /openapi.json:\n" + "\n".join(
        shapes.problems
    )
    assert set(NOT_EXERCISED) <= shapes.operations, "stale NOT_EXERCISED entries"
    missing = shapes.operations - shapes.answered - set(NOT_EXERCISED)
    assert not missing, f"operations no call here answered with a 2xx: {sorted(missing)}"


def _operations_without_auth(api: Api) -> None:
    assert api.get("/health") == {"status": "ok"}
    metrics = api.call("GET", "/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")


def _datasets(api: Api) -> str:
    rows = [
        {"input": "the cat sat", "expected": "echo: the cat sat", "meta": {"lang": "en"}},
        {"input": "dogs bark", "expected": "cats meow", "meta": {"lang": "en"}},
    ]
    dataset = api.post("/v5/datasets", json={"name": "shapes", "data": rows, "tags": ["t"]})
    dataset_id: str = dataset["id"]
    api.get(f"/v5/datasets/{dataset_id}")
    api.patch(f"/v5/datasets/{dataset_id}", json={"description": "every shape"})
    assert api.get("/v5/datasets", params={"limit": 5})["items"]

    batch = api.post(
        "/v5/dataset-items/batch",
        json={"dataset_id": dataset_id, "data": [{"input": "birds sing", "expected": "echo"}]},
    )
    item_id = batch["items"][0]["id"]
    api.get(f"/v5/dataset-items/{item_id}")
    api.get(f"/v5/dataset-items/{item_id}", params={"version": 2, "include_archived": True})
    api.patch(f"/v5/dataset-items/{item_id}", json={"data": {"input": "birds fly"}})
    assert len(api.get("/v5/dataset-items", params={"dataset_id": dataset_id})["items"]) == 3
    api.get("/v5/dataset-items", params={"limit": 1})
    api.delete(f"/v5/dataset-items/{item_id}")

    archived = api.post("/v5/datasets", json={"name": "to archive", "data": [{"x": 1}]})
    api.delete(f"/v5/datasets/{archived['id']}")
    return dataset_id


def _reviewer_agreement(api: Api) -> None:
    """Reviewers' answers (written as annotation tasks leave them) to a label and a rating."""
    question = api.post(
        "/v5/questions",
        json={"name": "free", "prompt": "Any remark?", "question_type": "free_text"},
    )
    tasks = [contributor_task(alias, question["id"], None) for alias in ("label", "stars")]
    created = api.post(
        "/v5/evaluations",
        json={"name": "reviewed", "data": [{"n": i} for i in range(3)], "tasks": tasks},
    )
    items = api.get("/v5/evaluation-items", params={"evaluation_id": created["id"]})["items"]
    # Ann's answers; Bob says "yes" and 2 throughout.
    answers = {"label": (["yes", "no", ["a", "b"]], "yes"), "stars": ([1, 2, 3], 2)}
    given = [
        Given(i, alias, reviewer, value if reviewer == "ann" else bob, slot)
        for alias, (column, bob) in answers.items()
        for slot, reviewer in enumerate(["ann", "bob"])
        for i, value in enumerate(column)
    ]
    database = create_db_engine(api.server.database_url)
    try:
        write_answers(database, created["id"], [item["id"] for item in items], given)
    finally:
        database.dispose()
    found = api.get(f"/v5/evaluations/{created['id']}/agreement")
    assert found["object"] == "evaluation_reviewer_agreement"
    assert found["reviewers"]["label"]["n"] == 3 and found["reviewers"]["stars"]["n"] == 3


def _evaluations(api: Api, dataset_id: str) -> None:
    question = api.post(
        "/v5/questions",
        json={
            "name": "verdict",
            "prompt": "Is the answer right?",
            "configuration": {"choices": ["yes", "no"]},
        },
    )
    tasks = [
        {
            "task_type": "chat_completion",
            "alias": "answer",
            "configuration": {
                "model": MODEL,
                "messages": [{"role": "user", "content": "item.input"}],
            },
        },
        {
            "task_type": "custom_function",
            "alias": "length",
            "configuration": {"function_source": LENGTH},
        },
        {
            "task_type": "auto_evaluation.question",
            "alias": "verdict",
            "configuration": {
                "model": MODEL,
                "prompt": "{{item.input}}",
                "question_id": question["id"],
            },
        },
    ]
    rows = [
        {"input": "the cat sat", "expected": "echo: the cat sat"},
        {"input": "dogs bark", "expected": "cats meow"},
        {"no_input": True},  # every task that reads item.input errors on this one
    ]
    body = {
        "name": "shapes",
        "data": rows,
        "tasks": tasks,
        "tags": ["shapes"],
        "metadata": {"team": "evals", "round": 1},
        "taxonomy_params": {"categories": [{"name": "animals"}]},
        "max_cost_usd": 5,
    }
    estimate = api.post("/v5/evaluations", json={**body, "dry_run": True})
    assert estimate["object"] == "evaluation.dry_run"
    created = api.post("/v5/evaluations", json=body)
    evaluation_id = created["id"]
    done = api.wait_until_done(evaluation_id)
    assert done["status"] == "completed", done
    assert done["error_count"] > 0 and done["progress"]["items"]["failed_items"]

    from_dataset = api.post(
        "/v5/evaluations", json={"name": "from dataset", "dataset_id": dataset_id}
    )
    api.get(f"/v5/evaluations/{from_dataset['id']}", params={"views": "tasks"})

    api.get(f"/v5/evaluations/{evaluation_id}", params={"views": "tasks"})
    api.patch(
        f"/v5/evaluations/{evaluation_id}",
        json={"description": "checked", "metadata": {"round": 2}},
    )
    api.get("/v5/evaluations", params={"views": "tasks", "limit": 10})
    filtered = api.post(
        "/v5/evaluations/filter",
        json={"filters": [{"key": "team", "operator": "==", "value": "evals"}]},
    )
    assert [e["id"] for e in filtered["items"]] == [evaluation_id]

    summary = api.get(f"/v5/evaluations/{evaluation_id}/summary")
    assert summary["aliases"]["length"]["numeric"] is not None
    assert summary["aliases"]["verdict"]["categorical"] is not None
    assert summary["aliases"]["answer"]["errors"]
    # A number (length) against a label (the judge's "yes"): compared as labels, with a warning.
    agreement = f"/v5/evaluations/{evaluation_id}/agreement"
    found = api.get(agreement, params={"human": "length", "judge": "verdict"})
    assert found["n"] == 2 and found["warnings"]
    api.call("GET", agreement, params={"human": "nope", "judge": "verdict"}, status=422)
    _reviewer_agreement(api)
    api.get(f"/v5/evaluations/{evaluation_id}/schema")
    api.get(f"/v5/evaluations/{evaluation_id}/taxonomy")

    items = api.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id})["items"]
    assert any(item["task_errors"] for item in items)
    api.get(f"/v5/evaluation-items/{items[0]['id']}")
    api.get("/v5/evaluation-items", params={"completion_status": "failed"})

    for file_format in ("json", "jsonl", "csv"):
        exported = api.post(
            "/v5/evaluation-items/export",
            json={"evaluation_id": evaluation_id, "export_format": file_format},
        )
        assert exported["content"]
    api.call(
        "POST",
        "/v5/evaluation-items/export",
        json={"evaluation_id": evaluation_id, "export_method": "signed_url"},
        status=501,
    )
    for file_format in ("jsonl", "csv", "parquet"):
        api.call("GET", f"/v5/evaluations/{evaluation_id}/export", params={"format": file_format})

    api.post(
        "/v5/evaluations/tasks/dry-run",
        json={
            "task_type": "custom_function",
            "configuration": {"function_source": LENGTH},
            "sample_data": [{"answer": "two words"}, {"other": 1}],
        },
    )

    # Run control, ending in a finished evaluation again.
    shout: dict[str, Any] = {
        "task_type": "chat_completion",
        "alias": "shout",
        "configuration": {
            "model": MODEL,
            "messages": [{"role": "user", "content": "item.expected"}],
        },
    }
    api.post(f"/v5/evaluations/{evaluation_id}/tasks", json={"task": shout})
    api.wait_until_done(evaluation_id)
    api.patch(
        f"/v5/evaluations/{evaluation_id}/tasks/shout",
        json={"configuration": {**shout["configuration"], "max_tokens": 2}},
    )
    api.post(f"/v5/evaluations/{evaluation_id}/cancel")
    api.wait_until_done(evaluation_id)
    api.post(f"/v5/evaluations/{evaluation_id}/retry", json={"aliases": ["answer"]})
    api.wait_until_done(evaluation_id)
    api.post(f"/v5/evaluations/{evaluation_id}/retry")
    api.wait_until_done(evaluation_id)

    api.delete(f"/v5/evaluations/{from_dataset['id']}")
    api.get(f"/v5/evaluations/{from_dataset['id']}", params={"include_archived": True})


def _questions(api: Api) -> None:
    bodies: list[dict[str, Any]] = [
        {
            "name": "rating",
            "prompt": "How good?",
            "configuration": {"steps": 5, "min_label": "bad", "max_label": "good"},
        },
        {"name": "number", "prompt": "How many?", "question_type": "number"},
        {"name": "text", "prompt": "Why?", "configuration": {"max_length": 100}},
        {"name": "form", "prompt": "Fill", "configuration": {"form_schema": {"type": "object"}}},
        {"name": "when", "prompt": "When?", "question_type": "timestamp"},
    ]
    ids = [api.post("/v5/questions", json=body)["id"] for body in bodies]
    api.get(f"/v5/questions/{ids[0]}")
    api.patch(f"/v5/questions/{ids[0]}", json={"name": "rating, renamed"})
    api.get("/v5/questions", params={"ids": ",".join(ids[:2])})
    api.delete(f"/v5/questions/{ids[1]}")
    api.call("PATCH", f"/v5/questions/{ids[1]}", json={"name": "x"}, status=409)
    api.post(f"/v5/questions/{ids[1]}/restore")
    api.get("/v5/questions", params={"include_archived": True})


def _models(api: Api) -> None:
    llmengine = {"model": "llama-3-8b", "num_shards": 1, "inference_framework": "vllm"}
    model = api.post(
        "/v5/models",
        json={"name": "shapes-llm", "vendor_configuration": llmengine, "model_metadata": {"a": 1}},
    )
    launch = {
        "model_image": {
            "command": ["python", "serve.py"],
            "registry": "registry.example.com",
            "repository": "team/model",
            "tag": "v1",
        },
        "model_infra": {"cpus": 2, "gpus": 1, "gpu_type": "nvidia-ampere-a10"},
    }
    other = api.post("/v5/models", json={"name": "shapes-launch", "vendor_configuration": launch})
    api.get(f"/v5/models/{model['id']}")
    api.patch(f"/v5/models/{model['id']}", json={"model_metadata": {"b": 2}})
    api.get("/v5/models", params={"model_vendor": "llmengine"})
    api.get("/v5/chat/completions/models")
    api.delete(f"/v5/models/{other['id']}")


def _files(api: Api) -> None:
    created = api.post("/v5/files", files={"file": ("notes.txt", b"some notes\n", "text/plain")})
    image = api.post("/v5/files", files={"file": ("pixel.png", b"\x89PNG\r\n", "image/png")})
    api.get(f"/v5/files/{created['id']}")
    api.patch(f"/v5/files/{created['id']}", json={"tags": {"kind": "notes"}})
    for file in (created, image):
        content = api.call("GET", f"/v5/files/{file['id']}/content")
        assert content.content
    api.get("/v5/files", params={"filename": "notes"})
    api.delete(f"/v5/files/{image['id']}")


def _inference(api: Api, fake: FakeModels) -> None:
    messages = [{"role": "user", "content": "hello there"}]
    chat = api.post("/v5/chat/completions", json={"model": MODEL, "messages": messages})
    assert chat["choices"][0]["message"]["content"] == "echo: hello there"
    api.post("/v5/completions", json={"model": "openai/fake-instruct", "prompt": "hi"})
    api.post("/v5/inference", json={"model": MODEL, "args": {"messages": messages}})
    api.post("/v5/inference", json={"model": "openai/fake-instruct", "args": {"prompt": "hi"}})
    response = api.post("/v5/responses", json={"model": MODEL, "input": "hi"})
    assert response["output"][0]["content"][0]["text"] == "echo: hi"
    api.call("POST", "/v5/responses", json={"model": "llmengine/x", "input": "hi"}, status=400)

    # Streams: the media type is checked against the description; each event is one chunk.
    for path, body, kind in (
        ("/v5/chat/completions", {"model": MODEL, "messages": messages}, "chat.completion.chunk"),
        ("/v5/completions", {"model": "openai/fake-instruct", "prompt": "hi"}, "text_completion"),
        ("/v5/responses", {"model": MODEL, "input": "hi"}, None),
    ):
        stream = api.call("POST", path, json={**body, "stream": True})
        events = [
            orjson.loads(line.removeprefix("data: "))
            for line in stream.text.splitlines()
            if line.startswith("data: ")
        ]
        assert events and all(event.get("object") == kind for event in events), events

    # An upstream 422 is passed on with its message as text: the declared 422 body allows it.
    fake.control(fail_next=[{"status": 422, "message": "bad temperature"}])
    api.call(
        "POST", "/v5/chat/completions", json={"model": MODEL, "messages": messages}, status=422
    )
    api.call(
        "POST", "/v5/chat/completions", json={"model": "nope/x", "messages": messages}, status=404
    )


def _credentials(api: Api) -> None:
    created = api.post(
        "/v5/credentials",
        json={
            "name": "shapes-key",
            "payload": "s3cret",
            "type": "key",
            "description": "a key",
            "credential_metadata": {"team": "evals"},
        },
    )
    json_credential = api.post(
        "/v5/credentials",
        json={"name": "shapes-json", "payload": '{"a": 1}', "type": "json"},
    )
    api.call(
        "POST",
        "/v5/credentials",
        json={"name": "shapes-key", "payload": "x", "type": "key"},
        status=409,
    )
    api.get("/v5/credentials", params={"name": "shapes"})
    api.get("/v5/credentials/name/shapes-key")
    assert api.post("/v5/credentials/name/shapes-key/secret")["result"] == "s3cret"
    api.get(f"/v5/credentials/{created['id']}")
    api.patch(f"/v5/credentials/{created['id']}", json={"description": None})
    api.post(f"/v5/credentials/{json_credential['id']}/secret")
    api.delete(f"/v5/credentials/{json_credential['id']}")
    api.call("GET", f"/v5/credentials/{json_credential['id']}", status=404)


def _secrets(api: Api) -> None:
    created = api.post(
        "/v5/sgp/secrets", json={"key": "SHAPES_TOKEN", "value": "v", "description": "d"}
    )
    api.call("POST", "/v5/sgp/secrets", json={"key": "shapes-token", "value": "v"}, status=409)
    api.get("/v5/sgp/secrets")
    api.get(f"/v5/sgp/secrets/{created['id']}")
    api.patch(f"/v5/sgp/secrets/{created['id']}", json={"value": "w", "description": None})
    api.delete(f"/v5/sgp/secrets/{created['id']}")


def _evaluation_groups(api: Api) -> None:
    first = api.post("/v5/evaluations", json={"name": "grouped", "data": [{"input": "a"}]})
    second = api.post("/v5/evaluations", json={"name": "grouped too", "data": [{"x": 1}]})
    group = api.post(
        "/v5/evaluation-groups",
        json={
            "name": "shapes",
            "evaluation_ids": [first["id"], second["id"]],
            "description": "every shape",
            "tags": ["t"],
            "metadata": {"team": "evals"},
            "row_identifiers": {first["id"]: "input"},
        },
    )
    path = f"/v5/evaluation-groups/{group['id']}"
    api.get(path, params={"views": "row_identifiers"})
    api.get("/v5/evaluation-groups", params={"views": "members,row_identifiers", "tags": "t"})
    api.patch(path, json={"metadata": {"round": 2}, "row_identifiers": {}})
    api.call("PATCH", path, json={}, status=400)
    api.call("PUT", path, json={"name": "replaced", "evaluation_ids": [second["id"]]})
    api.call("PUT", path, json={"evaluation_ids": ["no-such-evaluation"]}, status=400)
    api.get(f"{path}/schema")
    api.delete(path)
    api.get(path, params={"include_deleted": True})
    api.call("DELETE", path, status=409)
    api.call("GET", f"{path}/schema", status=404)


def _comparisons(api: Api) -> None:
    rows = [
        {"input": f"q{i}", "expected": f"q{i} a", "answer": f"q{i} {'a' if i % 2 else 'b'}"}
        for i in range(6)
    ]
    task = {
        "task_type": "metric",
        "alias": "f1",
        "configuration": {"type": "f1", "candidate": "item.answer", "reference": "item.expected"},
    }
    ids = []
    for data in (rows, [{**row, "answer": row["expected"]} for row in rows]):
        created = api.post(
            "/v5/evaluations", json={"name": "compared", "data": data, "tasks": [task]}
        )
        api.wait_until_done(created["id"])
        ids.append(created["id"])
    pair = {"baseline_evaluation_id": ids[0], "candidate_evaluation_id": ids[1], "pair_by": "input"}
    api.post("/v5/comparisons", json=pair)
    group = api.post(
        "/v5/evaluation-groups",
        json={
            "name": "compared",
            "evaluation_ids": ids,
            "row_identifiers": dict.fromkeys(ids, "input"),
        },
    )
    api.post("/v5/comparisons", json={"evaluation_group_id": group["id"]})
    api.call("POST", "/v5/comparisons", json={**pair, "alpha": 0.9}, status=422)
    api.call("POST", "/v5/comparisons", json={**pair, "baseline_evaluation_id": "x"}, status=404)


def _traces(api: Api) -> None:
    """OTLP/HTTP ingest: protobuf, JSON, and a content type it refuses."""
    request = export_request(make_span("shapes"))
    protobuf = {"content-type": "application/x-protobuf"}
    api.call("POST", "/v1/traces", content=request.SerializeToString(), headers=protobuf)
    json_body = {"content-type": "application/json"}
    api.call("POST", "/v1/traces", content=to_json(request), headers=json_body)
    plain = {"content-type": "text/plain"}
    api.call("POST", "/v1/traces", content=b"x", headers=plain, status=415)


def _spans(api: Api) -> None:
    trace = "9b6a1c0e-3a57-4a53-9d8e-3f1f4c1b2a10"
    root = {
        "id": "shape-root",
        "trace_id": trace,
        "name": "root",
        "start_timestamp": "2026-03-01T12:00:00Z",
        "input": {"question": "?"},
        "metadata": {"env": "prod"},
        "obs_trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "obs_span_id": "00f067aa0ba902b7",
    }
    api.post("/v5/spans", json=root)
    child = {**root, "id": "shape-child", "parent_id": "shape-root", "expected": {"a": 1}}
    api.post("/v5/spans/batch", json={"items": [child]})
    done = {**child, "end_timestamp": "2026-03-01T12:00:01Z", "output": {"usage": {}}}
    api.call("PUT", "/v5/spans/batch", json={"items": [done]})
    api.patch("/v5/spans/shape-root", json={"end_timestamp": "2026-03-01T12:00:02Z"})
    api.get("/v5/spans/shape-root")
    api.post("/v5/spans/search", json={"search_texts": ["question"], "trace_ids": [trace]})
    api.post("/v5/spans/search", params={"limit": 1, "starting_after": "shape-root"})
    api.call("POST", "/v5/spans/batch", json={"items": [done]}, status=409)
    api.call("POST", "/v5/spans/search", json={"statuses": ["DONE"]}, status=422)
    api.call("GET", "/v5/spans/no-such-span", status=404)

    path = "/v5/span-assessments"
    rating = api.post(path, json={"assessment_type": "rating", "rating": 4, "trace_id": trace})
    api.get(path, params={"trace_id": trace})
    api.get(f"{path}/{rating['assessment_id']}")
    api.patch(f"{path}/{rating['assessment_id']}", json={"rating": 5, "comment": "good"})
    api.delete(f"{path}/{rating['assessment_id']}")
    api.call("GET", path, status=400)
    api.call("POST", path, json={"assessment_type": "rating", "trace_id": trace}, status=422)


def _errors(api: Api, server: Server) -> None:
    """Error bodies, each checked against the response its operation declares."""
    base = server.base_url
    for headers, status in (
        ({}, 401),
        ({"x-api-key": "not-a-key", "x-selected-account-id": ACCOUNT_A}, 401),
        ({"x-api-key": server.keys[ACCOUNT_A]}, 403),
        ({"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_B}, 403),
    ):
        response = httpx.get(f"{base}/v5/datasets", headers=headers)
        api.shapes.check(response)
        assert response.status_code == status
    api.call("GET", "/v5/datasets/no-such-dataset", status=404)
    api.call("GET", "/v5/evaluations/no-such-evaluation/summary", status=404)
    api.call("POST", "/v5/datasets", json={"name": ""}, status=422)
    api.call("POST", "/v5/datasets", content=b"{not json", status=422)
    api.call("GET", "/v5/datasets", params={"starting_after": "nope"}, status=400)
    api.call(
        "POST",
        "/v5/evaluation-items/export",
        json={"evaluation_id": "x", "export_method": "signed_url"},
        status=404,  # the evaluation is checked first
    )
    api.call("POST", "/v5/files", content=b"not multipart", status=422)
