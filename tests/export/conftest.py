"""Export tests: the shared engine server per backend, and one finished evaluation on it whose
results came from real runs against the fake model server (completed cells, object results,
errored cells), with a file attached to a row."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.conftest import make_client
from tests.execution.helpers import MODEL, chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server

# Row 0 exercises CSV quoting and nesting; row 1 non-ASCII and an empty list; row 2 has no
# `input`, so its `answer` cell errors (and `raw`, which reads `answer`, errors upstream).
ROWS: list[dict[str, Any]] = [
    {
        "input": "question 0",
        "meta": {"level": 1, "tags": ["a", "b"]},
        "note": 'comma, "quote"\nline',
    },
    {"input": "ünïcode ✓", "meta": {"level": 2, "tags": []}, "note": None},
    {"other": "no input here", "meta": {"level": 3, "tags": ["c"]}},
]


def raw_task(alias: str = "raw") -> dict[str, Any]:
    """A chat completion in the `args` form: its result is the whole response object."""
    return {
        "alias": alias,
        "configuration": {
            "model": MODEL,
            "args": {"messages": [{"role": "user", "content": "item.answer"}]},
        },
    }


@dataclass
class Finished:
    server: Server
    evaluation_id: str
    file_id: str


@pytest.fixture(scope="session")
def finished(engine_server: Server, fake_model_server: FakeModels) -> Finished:
    """A completed run of two chat tasks over ROWS, one row with a file attached."""
    fake_model_server.reset()
    client = make_client(engine_server)
    file_id = client.files.create(file=("doc.txt", b"hello", "text/plain")).id
    with raw_http(engine_server) as http:
        response = http.post(
            "/v5/evaluations",
            json={
                "name": "export",
                "data": ROWS,
                "files": [{"doc": file_id}, {}, {}],
                "tasks": [chat_task("answer"), raw_task()],
            },
        )
    evaluation_id: str = response.raise_for_status().json()["id"]
    assert wait_until_done(client, evaluation_id).status == "completed"
    return Finished(engine_server, evaluation_id, file_id)


def raw_http(server: Server) -> httpx.Client:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


@pytest.fixture
def export_http(engine_server: Server) -> Iterator[httpx.Client]:
    with raw_http(engine_server) as http:
        yield http


@pytest.fixture
def export_client(engine_server: Server) -> SGPClient:
    return make_client(engine_server)
