"""Fail fast: a task whose first cells all fail alike with an error no retry fixes stops
calling, its remaining cells are stored errored (TaskStopped), and the evaluation says why."""

from collections import Counter
from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import UnprocessableEntityError

from tests.execution.helpers import chat_task, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.sgp07.helpers import error_locs, raw, unique

ITEMS = 200
THRESHOLD = 20  # YARDSTICK_FAIL_FAST_AFTER's default
CONCURRENCY = 8  # the engine server's model concurrency


def create(client: SGPClient, count: int, tasks: list[dict[str, Any]]) -> str:
    data = [{"input": f"word{i}", "expected": f"echo: word{i}"} for i in range(count)]
    return client.evaluations.create(evaluation={"name": unique(), "data": data, "tasks": tasks}).id  # type: ignore[arg-type]


def error_types(client: SGPClient, evaluation_id: str, alias: str) -> Counter[str]:
    return Counter(
        item.task_errors[alias].type if alias in item.task_errors else "none"  # type: ignore[union-attr]
        for item in items_of(client, evaluation_id)
    )


def test_a_refused_key_stops_the_task_and_a_retry_starts_it_afresh(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(require_key="another-key")  # every call: 401
    f1 = {
        "task_type": "metric",
        "alias": "f1",
        "configuration": {"type": "f1", "candidate": "item.answer", "reference": "item.expected"},
    }
    evaluation_id = create(priced_client, ITEMS, [chat_task("answer"), f1])

    done = wait_until_done(priced_client, evaluation_id)

    assert done.status == "failed"
    assert done.status_reason is not None
    assert f"task 'answer' stopped after its first {THRESHOLD} cells" in done.status_reason
    assert "UpstreamRejected" in done.status_reason
    assert fake_models.stats()["total"] < THRESHOLD + CONCURRENCY
    types = error_types(priced_client, evaluation_id, "answer")
    assert sum(types.values()) == ITEMS and types["none"] == 0
    assert types["TaskStopped"] >= ITEMS - THRESHOLD - CONCURRENCY
    stopped = next(
        item
        for item in items_of(priced_client, evaluation_id)
        if item.task_errors["answer"].type == "TaskStopped"  # type: ignore[index]
    )
    assert "Incorrect API key" in stopped.task_errors["answer"].message  # type: ignore[index]
    assert (
        stopped.task_result_statuses is not None and stopped.task_result_statuses["f1"] == "errored"
    )

    fake_models.reset()
    with raw(priced_client) as http:
        http.post(f"/v5/evaluations/{evaluation_id}/retry").raise_for_status()
    again = wait_until_done(priced_client, evaluation_id)
    assert (again.status, again.status_reason) == ("completed", None)
    assert error_types(priced_client, evaluation_id, "answer") == Counter({"none": ITEMS})


def test_an_unreachable_endpoint_stops_the_task(priced_client: SGPClient) -> None:
    evaluation_id = create(priced_client, 60, [chat_task("answer", model="closed/any")])

    done = wait_until_done(priced_client, evaluation_id)

    assert done.status == "failed"
    assert done.status_reason is not None and "ConnectionFailed" in done.status_reason
    types = error_types(priced_client, evaluation_id, "answer")
    assert types["ConnectionFailed"] >= THRESHOLD and types["TaskStopped"] > 0


def test_a_field_missing_on_every_item_stops_the_task_without_a_call(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    evaluation_id = create(
        priced_client, 60, [chat_task("answer", content="{{ item.input.text }}")]
    )

    done = wait_until_done(priced_client, evaluation_id)

    assert done.status == "failed"
    assert done.status_reason is not None and "ItemLocatorError" in done.status_reason
    assert fake_models.stats()["total"] == 0
    assert error_types(priced_client, evaluation_id, "answer")["TaskStopped"] > 0


def test_errors_about_each_item_do_not_stop_the_task(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    # A 400 is about the request (this item's prompt), not the model or the key.
    fake_models.control(fail_next=[{"status": 400, "message": "context too long"}] * 30)
    evaluation_id = create(priced_client, 40, [chat_task("answer")])

    done = wait_until_done(priced_client, evaluation_id)

    assert (done.status, done.status_reason) == ("completed", None)
    types = error_types(priced_client, evaluation_id, "answer")
    assert types == Counter({"UpstreamRejected": 30, "none": 10})


def test_a_model_the_providers_file_does_not_list_is_refused_at_create(
    priced_client: SGPClient,
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        create(
            priced_client,
            2,
            [chat_task("ok", model="listed/fake-chat"), chat_task("bad", model="listed/fake-chta")],
        )
    assert error_locs(caught.value) == [["body", "tasks", 1, "configuration", "model"]]
    message = caught.value.body["detail"][0]["msg"]  # type: ignore[index]
    assert "fake-chta" in message and "fake-chat" in message
