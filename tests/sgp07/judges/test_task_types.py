"""The 0.7 task shapes through the 0.7.0 client, executed for real on the fake model server:
run conditions, structured output, agent judges, agentex_output, contributor options, the wider
chat_completion fields, and the tasks read back as the client's own types."""

import time
from typing import Any

import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError
from scale_gp_beta.types import (
    AutoEvaluationAgentTaskRequestWithItemLocator,
    Evaluation,
    EvaluationItem,
    GteEvaluationRunCondition,
    InEvaluationRunCondition,
)
from scale_gp_beta.types.auto_evaluation_agent_task_request_with_item_locator import (
    DesignatedToIfAgent,
)
from scale_gp_beta.types.evaluation_task import (
    AgentexOutputEvaluationTask,
    AutoEvaluationAgentEvaluationTask,
    AutoEvaluationGuidedDecodingEvaluationTask,
    ChatCompletionEvaluationTask,
    ContributorEvaluationQuestionTask,
)
from scale_gp_beta.types.evaluation_task import (
    AutoEvaluationGuidedDecodingEvaluationTaskConfigurationAutoEvaluationGuidedDecodingTaskRequestWithItemLocator as ChoicesConfiguration,
)
from scale_gp_beta.types.evaluation_task import (
    AutoEvaluationGuidedDecodingEvaluationTaskConfigurationAutoEvaluationStructuredOutputTaskRequestWithItemLocator as StructuredConfiguration,
)

from tests.fixtures.fake_model_server import FakeModels
from tests.sgp07.helpers import error_locs, unique

MODEL, VLLM, PLAIN = "openai/fake-chat", "vllm/fake-chat", "plain/fake-chat"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string"},
    },
    "required": ["score", "reason"],
    "additionalProperties": False,
}


def wait_until_done(client: SGPClient, evaluation_id: str, timeout: float = 120) -> Evaluation:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        evaluation = client.evaluations.retrieve(evaluation_id)
        if evaluation.status != "running":
            return evaluation
        time.sleep(0.1)
    raise AssertionError(f"evaluation {evaluation_id} still running after {timeout}s")


def items_of(client: SGPClient, evaluation_id: str) -> list[EvaluationItem]:
    return list(client.evaluation_items.list(evaluation_id=evaluation_id, limit=1000))


def calls_mentioning(fake: FakeModels, marker: str) -> list[dict[str, Any]]:
    """The model-call bodies (from the fake's /requests log) whose messages mention `marker`."""
    return [
        entry["body"]
        for entry in fake.requests()
        if any(marker in str(m.get("content")) for m in entry["body"].get("messages", []))
    ]


def var(path: str) -> dict[str, str]:
    return {"op": "var", "path": path}


def create(client: SGPClient, data: list[dict[str, Any]], tasks: list[Any]) -> Evaluation:
    return client.evaluations.create(evaluation={"name": unique(), "data": data, "tasks": tasks})


# Run conditions -----------------------------------------------------------------------------------


def test_rows_whose_run_condition_is_false_are_skipped_without_a_model_call(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(replies_for={"Verdict r0": ["pass"], "Verdict r1": ["fail"]})
    created = create(
        engine_client,
        [
            {"id": "r0", "score": 4, "lang": "en"},
            {"id": "r1", "score": 1, "lang": "en"},
            {"id": "r2", "lang": "de"},
        ],
        [
            {
                "task_type": "auto_evaluation.guided_decoding",
                "alias": "structured",
                "configuration": {
                    "model": MODEL,
                    "prompt": "Grade {{item.id}}",
                    "response_format": SCHEMA,
                    "run_condition": {"op": "gte", "left": var("item.score"), "right": 3},
                },
            },
            {
                "task_type": "auto_evaluation.guided_decoding",
                "alias": "verdict",
                "configuration": {
                    "model": PLAIN,
                    "prompt": "Verdict {{item.id}}",
                    "choices": ["pass", "fail"],
                    "run_condition": {"op": "in", "left": var("lang"), "operands": ["en"]},
                },
            },
            {
                "task_type": "auto_evaluation.agent",
                "alias": "agent",
                "configuration": {
                    "name": "follow-up",
                    "definition": "Follow up on {{item.id}}",
                    "output_rules": ["Answer yes/no"],
                    "model": MODEL,
                    "run_condition": {"op": "is_not_null", "operands": [var("structured")]},
                },
            },
        ],
    )
    done = wait_until_done(engine_client, created.id)

    assert done.status == "completed" and done.error_count == 0
    assert done.progress is not None
    items = done.progress.items
    assert items is not None
    assert (items.total, items.successful, items.failed, items.pending) == (3, 3, 0, 0)
    r0, r1, r2 = items_of(engine_client, created.id)
    assert r0.task_result_statuses == {
        "structured": "completed",
        "verdict": "completed",
        "agent": "completed",
    }
    assert r1.task_result_statuses == {
        "structured": "skipped",
        "verdict": "completed",
        "agent": "skipped",
    }
    assert r2.task_result_statuses == {
        "structured": "skipped",
        "verdict": "skipped",
        "agent": "skipped",
    }
    assert (
        r0.data["structured"] == {"score": 1, "reason": "fake reason"} and r0.data["agent"] is True
    )
    assert (r0.data["verdict"], r1.data["verdict"]) == ("pass", "fail")
    assert [r1.data["structured"], r1.data["agent"], r2.data["verdict"]] == [None, None, None]
    assert not r1.task_errors and not r2.task_errors

    # The fake model server saw calls for the rows that ran, and none for the skipped ones.
    assert len(calls_mentioning(fake_models, "Grade r0")) == 1
    assert (
        calls_mentioning(fake_models, "Grade r1") == calls_mentioning(fake_models, "Grade r2") == []
    )
    assert calls_mentioning(fake_models, "Verdict r2") == []
    assert len(calls_mentioning(fake_models, "Follow up on")) == 1

    # The tasks read back as the 0.7.0 client's own types, run conditions included.
    tasks = engine_client.evaluations.retrieve(created.id, views=["tasks"]).tasks or []
    structured, verdict, agent = tasks
    assert isinstance(structured, AutoEvaluationGuidedDecodingEvaluationTask)
    assert isinstance(structured.configuration, StructuredConfiguration)
    assert isinstance(structured.configuration.run_condition, GteEvaluationRunCondition)
    assert isinstance(verdict, AutoEvaluationGuidedDecodingEvaluationTask)
    assert isinstance(verdict.configuration, ChoicesConfiguration)
    assert isinstance(verdict.configuration.run_condition, InEvaluationRunCondition)
    assert isinstance(agent, AutoEvaluationAgentEvaluationTask)


# Structured output --------------------------------------------------------------------------------


def test_structured_output_sends_the_schema_and_stores_the_object(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    wrapper = {
        "type": "json_schema",
        "json_schema": {"name": "grade", "schema": SCHEMA, "strict": True},
    }
    fake_models.control(
        replies_for={
            "Plain grade": ['{"score": 0, "reason": "r"}', '{"score": 3, "reason": "fair"}']
        }
    )
    created = create(
        engine_client,
        [{"input": "2+2=4"}],
        [
            {
                "alias": "openai",
                "configuration": {
                    "model": MODEL,
                    "prompt": "OpenAI grade {{item.input}}",
                    "response_format": wrapper,
                },
            },
            {
                "alias": "vllm",
                "configuration": {
                    "model": VLLM,
                    "prompt": "vLLM grade {{item.input}}",
                    "response_format": SCHEMA,
                },
            },
            {
                "alias": "plain",
                "configuration": {
                    "model": PLAIN,
                    "prompt": "Plain grade {{item.input}}",
                    "response_format": SCHEMA,
                },
            },
        ],
    )
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed" and done.error_count == 0
    (item,) = items_of(engine_client, created.id)
    assert item.data["openai"] == item.data["vllm"] == {"score": 1, "reason": "fake reason"}
    assert item.data["plain"] == {"score": 3, "reason": "fair"}

    (openai,) = calls_mentioning(fake_models, "OpenAI grade")
    assert openai["response_format"] == wrapper  # sent as given
    (vllm,) = calls_mentioning(fake_models, "vLLM grade")
    assert vllm["guided_json"] == SCHEMA
    plain = calls_mentioning(fake_models, "Plain grade")
    assert len(plain) == 2 and all("response_format" not in body for body in plain)
    assert "0 is less than the minimum of 1" in plain[1]["messages"][-1]["content"]


# Agent judges -------------------------------------------------------------------------------------


def test_agent_tasks_judge_the_named_fields(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(
        replies_for={"Judge instruction following": ['{"rationale": "One slip.", "answer": 4}']}
    )
    created = create(
        engine_client,
        [{"prompt": "Reply in 3 words", "response": "I am here", "hidden": "x"}],
        [
            {
                "task_type": "auto_evaluation.agent",
                "configuration": {
                    "name": "if",
                    "definition": "Judge instruction following",
                    "output_rules": ["Score adherence on a 1-5 scale"],
                    "data_fields": ["prompt", "response"],
                    "designated_to": {"agent_name": "IFAgent", "config": {"model": PLAIN}},
                },
            }
        ],
    )
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed" and done.error_count == 0
    (item,) = items_of(engine_client, created.id)
    assert item.data["auto_evaluation_agent"] == 4
    assert item.task_result_statuses == {"auto_evaluation_agent": "completed"}
    (call,) = calls_mentioning(fake_models, "Judge instruction following")
    assert "### response\nI am here" in call["messages"][1]["content"]
    assert "hidden" not in call["messages"][1]["content"]

    (task,) = engine_client.evaluations.retrieve(created.id, views=["tasks"]).tasks or []
    assert (
        isinstance(task, AutoEvaluationAgentEvaluationTask)
        and task.alias == "auto_evaluation_agent"
    )
    assert isinstance(task.configuration, AutoEvaluationAgentTaskRequestWithItemLocator)
    assert isinstance(task.configuration.designated_to, DesignatedToIfAgent)
    assert task.configuration.data_fields == ["prompt", "response"]


def test_an_agent_task_with_an_unknown_rubric_is_refused(engine_client: SGPClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        create(
            engine_client,
            [{"input": "x"}],
            [
                {
                    "task_type": "auto_evaluation.agent",
                    "configuration": {
                        "name": "n",
                        "definition": "d",
                        "output_rules": ["r"],
                        "rubric_id": "rubric-1",
                        "designated_to": {"config": {"model": MODEL}},
                    },
                }
            ],
        )
    assert error_locs(caught.value) == [["body", "tasks", 0, "configuration", "rubric_id"]]
    assert "rubric 'rubric-1' not found" in str(caught.value.body)


def test_a_bad_run_condition_is_refused_at_its_field(engine_client: SGPClient) -> None:
    condition = {
        "op": "or",
        "operands": [{"op": "is_null", "operands": [var("a")]}, {"op": "between"}],
    }
    with pytest.raises(UnprocessableEntityError) as caught:
        create(
            engine_client,
            [{"a": 1}],
            [
                {
                    "configuration": {
                        "model": MODEL,
                        "prompt": "p",
                        "choices": ["y"],
                        "run_condition": condition,
                    }
                }
            ],
        )
    assert error_locs(caught.value) == [
        ["body", "tasks", 0, "configuration", "run_condition", "operands", 1, "op"]
    ]


# agentex_output, contributor options, chat_completion ---------------------------------------------


def test_agentex_output_is_stored_and_each_cell_unsupported(engine_client: SGPClient) -> None:
    created = create(
        engine_client,
        [{"input": "hello"}],
        [
            {
                "task_type": "agentex_output",
                "configuration": {
                    "agentex_agent_id": "agent-7",
                    "input_column": "item.input",
                    "completion_mode": "turn_quiescence",
                    "timeout_seconds": 60,
                },
            }
        ],
    )
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed" and done.error_count == 1
    (item,) = items_of(engine_client, created.id)
    assert item.task_result_statuses == {"agentex_output": "errored"}
    assert item.task_errors is not None
    error = item.task_errors["agentex_output"]
    assert error.type == "UnsupportedTask" and "'agent-7'" in error.message
    (task,) = engine_client.evaluations.retrieve(created.id, views=["tasks"]).tasks or []
    assert isinstance(task, AgentexOutputEvaluationTask)
    assert task.configuration.completion_mode == "turn_quiescence"


def test_contributor_options_are_stored(engine_client: SGPClient) -> None:
    question = engine_client.questions.create(
        question={
            "name": unique("q"),
            "prompt": "Right?",
            "question_type": "categorical",
            "configuration": {"choices": ["yes", "no"]},
        }
    )
    rubric = engine_client.rubrics.create(title=unique("review"), criteria=[{"title": "clear"}])
    created = create(
        engine_client,
        [{"input": "a"}],
        [
            {
                "task_type": "contributor_evaluation.question",
                "alias": "review",
                "configuration": {
                    "question_id": question.id,
                    "layout": {"children": [{"data": "item.input"}]},
                    "required": False,
                    "rubric_id": rubric.id,
                },
            }
        ],
    )
    (task,) = engine_client.evaluations.retrieve(created.id, views=["tasks"]).tasks or []
    assert isinstance(task, ContributorEvaluationQuestionTask)
    assert (task.configuration.required, task.configuration.rubric_id) == (False, rubric.id)
    # Reviewers score the rubric's criteria as they were when the task was made.
    pinned = task.configuration.model_extra or {}
    assert (pinned["rubric_version"], len(pinned["rubric_criteria"])) == (1, 1)
    with pytest.raises(UnprocessableEntityError) as caught:
        create(
            engine_client,
            [{"input": "a"}],
            [
                {
                    "task_type": "contributor_evaluation.question",
                    "configuration": {
                        "question_id": question.id,
                        "layout": {"children": [{"data": "item.input"}]},
                        "required": "no",
                    },
                }
            ],
        )
    assert error_locs(caught.value) == [["body", "tasks", 0, "configuration", "required"]]
    with pytest.raises(UnprocessableEntityError) as unknown:
        create(
            engine_client,
            [{"input": "a"}],
            [
                {
                    "task_type": "contributor_evaluation.question",
                    "configuration": {
                        "question_id": question.id,
                        "layout": {"children": [{"data": "item.input"}]},
                        "rubric_id": "rubric-9",
                    },
                }
            ],
        )
    assert error_locs(unknown.value) == [["body", "tasks", 0, "configuration", "rubric_id"]]


def test_chat_completion_takes_a_stop_list_and_a_tool_choice_object(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    choice = {"type": "function", "function": {"name": "lookup"}}
    created = create(
        engine_client,
        [{"input": "Stop test"}],
        [
            {
                "task_type": "chat_completion",
                "alias": "answer",
                "configuration": {
                    "model": MODEL,
                    "messages": [{"role": "user", "content": "item.input"}],
                    "stop": ["\n\n", "END"],
                    "tools": [tool],
                    "tool_choice": choice,
                },
            }
        ],
    )
    done = wait_until_done(engine_client, created.id)
    assert done.status == "completed" and done.error_count == 0
    (body,) = calls_mentioning(fake_models, "Stop test")
    assert body["stop"] == ["\n\n", "END"] and body["tool_choice"] == choice
    (task,) = engine_client.evaluations.retrieve(created.id, views=["tasks"]).tasks or []
    assert isinstance(task, ChatCompletionEvaluationTask)
    assert task.configuration.stop == ["\n\n", "END"]
    assert task.configuration.tool_choice == choice
