"""Provider faults during a run: retried when retryable, a cell error when not, never a lost run."""

import time

from scale_gp_beta import SGPClient

from tests.execution.helpers import chat_task, extra, items_of, wait_until_done
from tests.fixtures.engine_server import CONCURRENCY
from tests.fixtures.fake_model_server import FakeModels


def run_one(client: SGPClient) -> tuple[object, dict[str, object]]:
    evaluation = client.evaluations.create(
        name="one", data=[{"input": "x"}], tasks=[chat_task("answer")]
    )
    done = wait_until_done(client, evaluation.id)
    [item] = items_of(client, evaluation.id)
    return done, item.model_dump()


def test_rate_limit_is_retried_after_the_delay_it_asks_for(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 429, "retry_after_ms": 300}])
    started = time.monotonic()
    _, item = run_one(engine_client)
    assert time.monotonic() - started >= 0.3
    assert item["data"]["answer"] == "echo: x"
    assert item["task_metadata"]["answer"]["attempts"] == 2
    assert fake_models.stats()["total"] == 2


def test_server_errors_are_retried(engine_client: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 500}, {"status": 503}])
    _, item = run_one(engine_client)
    assert item["data"]["answer"] == "echo: x"
    assert item["task_metadata"]["answer"]["attempts"] == 3


def test_retries_are_bounded(engine_client: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 500}] * 5)
    done, item = run_one(engine_client)
    assert extra(done, "progress")["items"]["failed"] == 1
    assert item["task_errors"]["answer"]["type"] in {"UpstreamError", "UpstreamUnavailable"}
    assert fake_models.stats()["total"] == 3  # YARDSTICK_MODEL_MAX_ATTEMPTS


def test_client_errors_are_not_retried(engine_client: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(fail_next=[{"status": 400, "message": "bad messages"}])
    done, item = run_one(engine_client)
    assert done.status == "completed"
    assert item["task_result_statuses"]["answer"] == "errored"
    assert "bad messages" in item["task_errors"]["answer"]["message"]
    assert fake_models.stats()["total"] == 1


def test_a_hanging_call_times_out_and_is_retried(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(hang_next=1)
    _, item = run_one(engine_client)
    assert item["data"]["answer"] == "echo: x"
    assert item["task_metadata"]["answer"]["attempts"] == 2


def test_calls_in_flight_never_exceed_the_cap(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(latency_ms=50)
    evaluation = engine_client.evaluations.create(
        name="burst", data=[{"input": str(i)} for i in range(200)], tasks=[chat_task("answer")]
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert extra(done, "progress")["items"]["successful"] == 200
    stats = fake_models.stats()
    assert stats["total"] == 200
    assert stats["max_in_flight"] == CONCURRENCY
