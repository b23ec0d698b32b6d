"""Tasks added and changed on a live evaluation, retry and cancel, with the 0.7.0 client."""

import time
from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import ConflictError, NotFoundError, UnprocessableEntityError

from tests.execution.helpers import chat_task, wait_until_done
from tests.fixtures.engine_server import CONCURRENCY
from tests.fixtures.fake_model_server import FakeModels
from tests.sgp07.helpers import assert_final_conflict, error_locs, raw, unique


def f1_task(alias: str, candidate: str) -> dict[str, Any]:
    return {
        "task_type": "metric",
        "alias": alias,
        "configuration": {
            "type": "f1",
            "candidate": f"item.{candidate}",
            "reference": "item.expected",
        },
    }


def make_run(client: SGPClient, items: int, tasks: list[dict[str, Any]]) -> str:
    data = [{"input": f"word{i}", "expected": f"echo: word{i}"} for i in range(items)]
    created = client.evaluations.create(evaluation={"name": unique(), "data": data, "tasks": tasks})
    assert wait_until_done(client, created.id).status == "completed"
    return created.id


def items(client: SGPClient, evaluation_id: str) -> list[Any]:
    return list(client.evaluation_items.list(evaluation_id=evaluation_id, limit=1000))


def test_a_metric_added_to_a_finished_run_calls_no_model(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    evaluation_id = make_run(engine_client, 30, [chat_task("answer")])
    calls = fake_models.stats()["total"]

    added = engine_client.evaluations.tasks.add(evaluation_id, task=f1_task("f1", "answer"))  # type: ignore[arg-type]

    assert [t.alias for t in added.tasks or []] == ["answer", "f1"]
    done = wait_until_done(engine_client, evaluation_id)
    assert done.status == "completed"
    assert fake_models.stats()["total"] == calls
    assert {i.data["f1"] for i in items(engine_client, evaluation_id)} == {1.0}
    assert done.progress is not None and done.progress.workflows is not None
    assert done.progress.workflows.completed == 1


def test_changing_a_task_recomputes_it_and_what_reads_it_only(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    tasks = [chat_task("answer"), chat_task("other"), f1_task("f1", "answer")]
    evaluation_id = make_run(engine_client, 12, tasks)
    before = {i.id: i.data["other"] for i in items(engine_client, evaluation_id)}
    fake_models.reset()

    engine_client.evaluations.tasks.update(
        "answer",
        evaluation_id=evaluation_id,
        configuration={
            "model": "openai/fake-chat",
            "messages": [{"role": "user", "content": "x {{ item.input }}"}],
        },
    )

    done = wait_until_done(engine_client, evaluation_id)
    assert done.status == "completed"
    after = items(engine_client, evaluation_id)
    assert fake_models.stats()["total"] == 12  # `answer` only: `other` was still valid
    assert all(i.data["answer"].startswith("echo: x word") for i in after)
    assert all(i.data["f1"] < 1.0 for i in after)  # recomputed from the new answers
    assert {i.id: i.data["other"] for i in after} == before


def test_retry_recomputes_errored_cells_and_their_readers(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(fail_next=[{"status": 400, "message": "bad"}] * 3)
    created = engine_client.with_options(max_retries=0).evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": f"w{i}", "expected": f"echo: w{i}"} for i in range(10)],
            "tasks": [chat_task("answer"), f1_task("f1", "answer")],
        }
    )
    first = wait_until_done(engine_client, created.id)
    assert first.error_count == 6  # 3 answers failed, and the f1 of each reads a failed answer
    fake_models.reset()

    engine_client.post(
        f"/v5/evaluations/{created.id}/retry", cast_to=object, body={"aliases": ["answer"]}
    )

    done = wait_until_done(engine_client, created.id)
    assert (done.status, done.error_count) == ("completed", 0)
    assert fake_models.stats()["total"] == 3
    assert {i.data["f1"] for i in items(engine_client, created.id)} == {1.0}


def test_cancel_stops_the_run_and_retry_resumes_it(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(latency_ms=200)
    created = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": f"w{i}"} for i in range(300)],
            "tasks": [chat_task("answer")],
        }
    )
    time.sleep(0.5)
    with raw(engine_client) as http:
        cancelled = http.post(f"/v5/evaluations/{created.id}/cancel").json()
    assert (cancelled["status"], cancelled["status_reason"]) == ("failed", "cancelled by the user")
    time.sleep(1.0)  # calls in flight finish; nothing new starts
    calls = fake_models.stats()["total"]
    time.sleep(1.0)
    assert fake_models.stats()["total"] == calls < 300
    stopped = engine_client.evaluations.retrieve(created.id)
    assert stopped.status == "failed"
    assert stopped.progress is not None and stopped.progress.items.pending > 0

    fake_models.control(latency_ms=0)
    with raw(engine_client) as http:
        assert http.post(f"/v5/evaluations/{created.id}/retry").json()["status"] == "running"
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed"
    answers = [i.data["answer"] for i in items(engine_client, created.id)]
    assert answers == [f"echo: w{i}" for i in range(300)]


def test_a_cancel_ends_the_waits_of_calls_to_be_retried(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    """Every call answered 429 with `retry-after: 20`, then the run is cancelled: each waiting
    cell sent its next attempt 20 s later, paid for an answer nobody stored, and held its
    vendor slot meanwhile, so another evaluation's one cell waited for those 20 s."""
    fake_models.control(fail_next=[{"status": 429, "retry_after": "20"}] * CONCURRENCY)
    created = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": f"w{i}"} for i in range(CONCURRENCY)],
            "tasks": [chat_task("answer")],
        }
    )
    deadline = time.monotonic() + 10
    while fake_models.stats()["total"] < CONCURRENCY and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_models.stats()["total"] == CONCURRENCY  # every call slot waits to retry
    with raw(engine_client) as http:
        http.post(f"/v5/evaluations/{created.id}/cancel").raise_for_status()

    started = time.monotonic()
    other = engine_client.evaluations.create(
        evaluation={"name": unique(), "data": [{"input": "x"}], "tasks": [chat_task("answer")]}
    )
    assert wait_until_done(engine_client, other.id, timeout=15).status == "completed"
    assert time.monotonic() - started < 10
    time.sleep(0.5)
    assert fake_models.stats()["total"] == CONCURRENCY + 1  # the other's call, no retry
    stopped = engine_client.evaluations.retrieve(created.id)
    assert stopped.status == "failed" and stopped.progress is not None
    assert stopped.progress.items.pending == CONCURRENCY  # nothing stored for the given-up calls


def test_a_retry_with_nothing_to_compute_keeps_the_running_run(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    """A second retry (a double click, a client sending the request again) while a run goes on
    with no errored cell: it answers as is. It superseded the run instead, whose calls in
    flight were then paid for twice (12 calls for 8 cells)."""
    fake_models.control(latency_ms=150)
    created = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": f"w{i}"} for i in range(40)],
            "tasks": [chat_task("answer")],
        }
    )
    time.sleep(0.3)
    with raw(engine_client) as http:
        for _ in range(3):
            retried = http.post(f"/v5/evaluations/{created.id}/retry")
            assert retried.json()["status"] == "running", retried.text
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed"
    assert done.progress is not None and done.progress.workflows is not None
    assert fake_models.stats()["total"] == 40  # one call a cell


def test_a_retry_of_a_completed_evaluation_with_nothing_errored_leaves_it_completed(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    """It started a run for no cell, `running` for a moment: a cancel then left a finished
    evaluation `failed`, "cancelled by the user"."""
    created = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": f"w{i}"} for i in range(3)],
            "tasks": [chat_task("answer")],
        }
    )
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed"
    with raw(engine_client) as http:
        retried = http.post(f"/v5/evaluations/{created.id}/retry").json()
        cancelled = http.post(f"/v5/evaluations/{created.id}/cancel").json()
    assert (retried["status"], cancelled["status"]) == ("completed", "completed")
    assert engine_client.evaluations.retrieve(created.id).status == "completed"
    assert fake_models.stats()["total"] == 3


def test_archiving_a_running_evaluation_stops_it(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(latency_ms=200)
    created = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": f"w{i}"} for i in range(200)],
            "tasks": [chat_task("a")],
        }
    )

    archived = engine_client.evaluations.archive(created.id)

    assert (archived.status, archived.status_reason) == ("failed", "archived while running")


def test_bad_task_changes_are_rejected_and_change_nothing(engine_client: SGPClient) -> None:
    evaluation_id = make_run(engine_client, 2, [chat_task("answer")])
    client = engine_client

    with pytest.raises(NotFoundError):
        client.evaluations.tasks.update("nope", evaluation_id=evaluation_id, configuration={})
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.tasks.add(evaluation_id, task=chat_task("answer"))  # type: ignore[arg-type]
    assert error_locs(caught.value) == [["body", "task", "alias"]]
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.tasks.add(evaluation_id, task=f1_task("f1", "no_such_field"))  # type: ignore[arg-type]
    assert error_locs(caught.value) == [["body", "task", "configuration"]]
    # `answer` reading `f1`, which comes after it, would be a cycle.
    client.evaluations.tasks.add(evaluation_id, task=f1_task("f1", "answer"))  # type: ignore[arg-type]
    wait_until_done(client, evaluation_id)
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.tasks.update(
            "answer",
            evaluation_id=evaluation_id,
            configuration={
                "model": "openai/fake-chat",
                "messages": [{"role": "user", "content": "item.f1"}],
            },
        )
    assert error_locs(caught.value) == [["body", "configuration"]]
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluations.tasks.add(
            evaluation_id,
            task={
                "task_type": "agentex_output",
                "configuration": {"agentex_agent_id": "a", "input_column": "item.input"},
            },
        )
    assert error_locs(caught.value) == [["body", "task", "task_type"]]
    assert [
        t.alias for t in client.evaluations.retrieve(evaluation_id, views=["tasks"]).tasks or []
    ] == ["answer", "f1"]

    client.evaluations.archive(evaluation_id)
    for call in (
        lambda: client.evaluations.tasks.add(evaluation_id, task=chat_task("more")),  # type: ignore[arg-type]
        lambda: client.evaluations.tasks.update(
            "answer", evaluation_id=evaluation_id, configuration={}
        ),
        lambda: client.post(f"/v5/evaluations/{evaluation_id}/retry", cast_to=object),
        lambda: client.post(f"/v5/evaluations/{evaluation_id}/cancel", cast_to=object),
    ):
        with pytest.raises(ConflictError) as conflict:
            call()
        assert_final_conflict(conflict.value)


def test_another_accounts_evaluation_cannot_be_changed(
    engine_client: SGPClient, other_engine_client: SGPClient
) -> None:
    evaluation_id = make_run(engine_client, 1, [chat_task("answer")])

    with pytest.raises(NotFoundError):
        other_engine_client.evaluations.tasks.add(evaluation_id, task=f1_task("f1", "answer"))  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        other_engine_client.post(f"/v5/evaluations/{evaluation_id}/cancel", cast_to=object)
