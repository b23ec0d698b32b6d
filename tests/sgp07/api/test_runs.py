"""What a run shows the 0.7.0 client: progress with failed items, completion filters, prefilled
contributor answers, and a caller's own OpenAI key."""

import pytest
from scale_gp_beta import SGPClient

from tests.execution.helpers import MODEL, chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server
from tests.sgp07.helpers import unique


def test_progress_failed_items_and_completion_status(engine_client: SGPClient) -> None:
    # Rows without `input` fail their cell (the locator finds nothing); the others pass.
    data = [{"input": "a"}, {"other": 1}, {"input": "c"}, {"other": 2}]
    created = engine_client.evaluations.create(
        evaluation={"name": unique(), "data": data, "tasks": [chat_task("answer")]}
    )
    assert created.status == "running"
    assert created.progress is not None and created.progress.workflows is not None
    assert created.progress.workflows.total == 1

    done = wait_until_done(engine_client, created.id)

    assert done.status == "completed" and done.error_count == 2
    assert done.progress is not None and done.progress.workflows is not None
    items = done.progress.items
    assert (items.total, items.successful, items.failed, items.pending) == (4, 2, 2, 0)
    assert items.failed_items is not None
    assert [f.error_type for f in items.failed_items] == ["ItemLocatorError"] * 2
    assert all(f.error for f in items.failed_items)
    workflows = done.progress.workflows
    assert (workflows.total, workflows.completed, workflows.failed, workflows.pending) == (
        1,
        1,
        0,
        0,
    )

    failed = list(
        engine_client.evaluation_items.list(evaluation_id=created.id, completion_status="failed")
    )
    passed = list(
        engine_client.evaluation_items.list(evaluation_id=created.id, completion_status="passed")
    )
    every = list(
        engine_client.evaluation_items.list(evaluation_id=created.id, completion_status="all")
    )
    assert [i.id for i in failed] == [f.item_id for f in items.failed_items]
    assert {i.data.get("other") for i in failed} == {1, 2}
    assert {i.data["answer"] for i in passed} == {"echo: a", "echo: c"}
    assert len(every) == 4
    assert all(i.task_result_statuses == {"answer": "errored"} for i in failed)
    assert all(i.task_errors == {} or i.task_errors is None for i in passed)
    page = engine_client.evaluation_items.list(evaluation_id=created.id, completion_status="failed")
    assert page.to_dict()["total"] == 2


def test_contributor_tasks_prefill_from_a_column(engine_client: SGPClient) -> None:
    question = engine_client.questions.create(
        question={
            "name": unique("q"),
            "prompt": "Is it right?",
            "question_type": "categorical",
            "configuration": {"choices": ["yes", "no"]},
        }
    )
    task = {
        "task_type": "contributor_evaluation.question",
        "alias": "review",
        "configuration": {
            "question_id": question.id,
            "layout": {"children": [{"data": "item.input"}]},
            "prefill_from": "label",
        },
    }
    evaluation = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": "a", "label": "yes"}, {"input": "b"}, {"input": "c", "label": None}],
            "tasks": [task],
            "skip_prefilled_rows": True,
        }
    )

    assert evaluation.status == "completed"
    items = list(engine_client.evaluation_items.list(evaluation_id=evaluation.id))
    assert [i.task_result_statuses for i in items] == [
        {"review": "prefilled"},
        {"review": "pending"},
        {"review": "pending"},
    ]
    assert [i.data["review"] for i in items] == ["yes", None, None]


def test_a_callers_own_openai_key_is_used_for_that_call_only(
    engine_client: SGPClient, engine_server: Server, fake_models: FakeModels
) -> None:
    secret = "sk-caller-" + unique()

    engine_client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hi"}], x_openai_api_key=secret
    )
    engine_client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])

    calls = [r["authorization"] for r in fake_models.requests()]
    assert calls == [f"Bearer {secret}", "Bearer test-key"]
    assert secret not in (engine_server.data_dir / "server.log").read_text()


@pytest.mark.parametrize("stream", [False, True])
def test_the_own_key_also_applies_to_streams(
    engine_client: SGPClient, fake_models: FakeModels, stream: bool
) -> None:
    result = engine_client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "one two"}],
        stream=stream,
        x_openai_api_key="sk-mine",
    )
    if stream:
        assert len(list(result)) >= 1  # type: ignore[arg-type]
    assert [r["authorization"] for r in fake_models.requests()] == ["Bearer sk-mine"]
