"""A run enqueued by one process is picked up by an idle worker in another at once: through
PostgreSQL's NOTIFY, or a write seen in the SQLite file (yardstick.execution.wake_watch), not
at the idle poll (30 s)."""

import time

import pytest

from tests.conftest import BACKENDS, make_client
from tests.execution.helpers import chat_task, wait_until_done
from tests.execution.processes import log_of, start_worker, stop
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server
from yardstick.execution.wake import BUSY_SECONDS, IDLE_POLL_SECONDS


def wait_for_log(server: Server, name: str, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log_of(server, name):
        assert time.monotonic() < deadline, f"{name} never logged {text!r}"
        time.sleep(0.1)


@pytest.mark.parametrize(
    "crash_server",
    [(backend, ("--no-worker",)) for backend in BACKENDS],
    indirect=True,
    ids=BACKENDS,
)
def test_an_idle_worker_elsewhere_starts_a_run_at_once(
    crash_server: Server, fake_models: FakeModels
) -> None:
    worker = start_worker(crash_server, "elsewhere")
    try:
        client = make_client(crash_server)
        fake_models.control(latency_ms=10)
        # Started and then idle: its pollers are past their busy pace.
        first = client.evaluations.create(
            name="first", data=[{"input": "q"}], tasks=[chat_task("a")]
        )
        assert (
            wait_until_done(client, first.id, timeout=IDLE_POLL_SECONDS * 2).status == "completed"
        )
        time.sleep(BUSY_SECONDS + 1)

        started = time.monotonic()
        second = client.evaluations.create(
            name="second", data=[{"input": "q"}], tasks=[chat_task("a")]
        )
        assert wait_until_done(client, second.id).status == "completed"
        assert time.monotonic() - started < IDLE_POLL_SECONDS / 3
        wait_for_log(crash_server, "worker-elsewhere.log", second.id)
    finally:
        stop(worker)
