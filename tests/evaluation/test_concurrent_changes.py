"""Changes of one evaluation at the same moment, on the engine's server (both databases): each
takes the evaluation's row lock first, so none works from a read another has made stale."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from scale_gp_beta import SGPClient

from tests.execution.helpers import chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server

PATCHES = 24


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run `calls` in threads released together."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_metadata_patches_all_land(
    engine_server: Server, engine_http: httpx.Client
) -> None:
    """On PostgreSQL each patch merged into the same old read: 3 keys of 30 were kept."""
    created = engine_http.post("/v5/evaluations", json={"name": "meta", "data": [{"q": 1}]})
    evaluation_id = created.json()["id"]
    headers = dict(engine_http.headers)

    def patch(key: str) -> Callable[[], int]:
        def call() -> int:
            with httpx.Client(base_url=engine_server.base_url, headers=headers, timeout=60) as h:
                body = {"metadata": {key: key}}
                return h.patch(f"/v5/evaluations/{evaluation_id}", json=body).status_code

        return call

    keys = [f"k{n}" for n in range(PATCHES)]
    assert at_once([patch(key) for key in keys]) == [200] * PATCHES
    stored = engine_http.get(f"/v5/evaluations/{evaluation_id}").json()["metadata"]
    assert stored == {key: key for key in keys}


def test_an_archive_racing_a_task_change_never_leaves_a_run_running(
    engine_server: Server,
    engine_client: SGPClient,
    engine_http: httpx.Client,
    fake_models: FakeModels,
) -> None:
    """On PostgreSQL the archive read the run as finished while the change started a new one:
    archived, then restored, the evaluation stayed `running` with nothing left to run it."""
    fake_models.control(latency_ms=300)
    headers = dict(engine_http.headers)
    for attempt in range(6):
        created = engine_client.evaluations.create(
            name=f"race {attempt}",
            data=[{"input": f"q{n}"} for n in range(3)],
            tasks=[chat_task("a")],
        )
        wait_until_done(engine_client, created.id)
        path = f"/v5/evaluations/{created.id}"

        def change(path: str = path) -> int:
            with httpx.Client(base_url=engine_server.base_url, headers=headers, timeout=60) as h:
                body = {"configuration": chat_task("a", "again {{item.input}}")["configuration"]}
                return h.patch(f"{path}/tasks/a", json=body).status_code

        def archive(path: str = path) -> int:
            with httpx.Client(base_url=engine_server.base_url, headers=headers, timeout=60) as h:
                return h.delete(path).status_code

        changed, archived = at_once([change, archive])
        assert archived == 200 and changed in (200, 409), (changed, archived)
        gone = engine_http.get(path, params={"include_archived": True}).json()
        # The archive came first (the change was refused) or stopped the change's run.
        assert gone["status"] != "running", gone
        engine_http.patch(path, json={"restore": True}).raise_for_status()
        assert wait_until_done(engine_client, created.id, timeout=30).status != "running"
    fake_models.reset()
