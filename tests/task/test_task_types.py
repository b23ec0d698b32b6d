"""Create-time validation of the 0.7 task shapes, called directly: agent, the three guided-decoding
shapes, agentex_output, contributor options, chat_completion's widened fields, type inference."""

from dataclasses import replace
from typing import Any

import pytest

import yardstick.task.types  # noqa: F401  (registers every task type)
from yardstick.errors import Unprocessable
from yardstick.rubric.snapshot import CriterionSnapshot, RubricRefusal, RubricSnapshot, snapshot_of
from yardstick.task.registry import REGISTRY, infer_task_type
from yardstick.task.validation import ValidationContext

MODEL = "openai/fake-chat"
CTX = ValidationContext(
    question_problem=lambda question_id: None if question_id == "q-1" else "not found",
    model_problem=lambda model: None if model.startswith("openai/") else f"no vendor for {model!r}",
)
LOC: list[str | int] = ["body", "tasks", 0, "configuration"]


def validate(task_type: str, config: dict[str, Any]) -> None:
    REGISTRY[task_type].validate(config, LOC, CTX)


def loc_of(task_type: str, config: dict[str, Any]) -> list[Any]:
    with pytest.raises(Unprocessable) as caught:
        validate(task_type, config)
    (error,) = caught.value.detail
    return list(error["loc"])[len(LOC) :]


def message_of(task_type: str, config: dict[str, Any]) -> str:
    with pytest.raises(Unprocessable) as caught:
        validate(task_type, config)
    (error,) = caught.value.detail
    return str(error["msg"])


AGENT: dict[str, Any] = {
    "name": "instruction-following",
    "definition": "Check the response follows the prompt.",
    "output_rules": ["Score adherence on a 1-5 scale"],
    "designated_to": {"agent_name": "IFAgent", "config": {"model": MODEL}},
}
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"ok": {"type": "boolean"}}}


# auto_evaluation.agent ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        AGENT,
        {**AGENT, "designated_to": {"config": {"model": MODEL, "temperature": 0.2}}},
        {k: v for k, v in AGENT.items() if k != "designated_to"} | {"model": MODEL},
        {**AGENT, "model": "nope/ignored-when-designated"}
        | {"designated_to": AGENT["designated_to"]},
        {**AGENT, "data_fields": ["prompt", "item.response", "answer.0.text"]},
        {**AGENT, "output_type": "boolean", "output_values": [True, False]},
        {**AGENT, "output_values": ["good", "bad"]},
        {**AGENT, "output_type": "text", "output_values": [1, 2]},
        {**AGENT, "output_type": "float", "output_values": [0, 0.5, 1]},
        {**AGENT, "rubric_id": "r", "rubric_version": 3, "output_type": "float"},
        {
            **AGENT,
            "temperature": 0,
            "run_condition": {"op": "is_not_null", "operands": [{"op": "var", "path": "response"}]},
        },
    ],
)
def test_good_agent_configurations(config: dict[str, Any]) -> None:
    validate("auto_evaluation.agent", config)
    validate("auto_evaluation.guided_decoding", config)  # the guided-decoding shape (c)


@pytest.mark.parametrize(
    ("config", "loc"),
    [
        ({k: v for k, v in AGENT.items() if k != "name"}, ["name"]),
        ({**AGENT, "definition": ""}, ["definition"]),
        ({k: v for k, v in AGENT.items() if k != "output_rules"}, ["output_rules"]),
        ({**AGENT, "output_rules": []}, ["output_rules"]),
        ({**AGENT, "output_rules": "Score it"}, ["output_rules"]),
        ({**AGENT, "output_rules": ["ok", 3]}, ["output_rules", 1]),
        ({**AGENT, "data_fields": "prompt"}, ["data_fields"]),
        ({**AGENT, "data_fields": ["prompt", "two words"]}, ["data_fields", 1]),
        ({**AGENT, "output_type": "json"}, ["output_type"]),
        ({**AGENT, "output_values": []}, ["output_values"]),
        ({**AGENT, "output_values": ["a", None]}, ["output_values", 1]),
        ({**AGENT, "output_values": [{"a": 1}]}, ["output_values", 0]),
        ({**AGENT, "output_type": "integer", "output_values": [1, "many"]}, ["output_values", 1]),
        ({**AGENT, "output_type": "integer", "output_values": [1, True]}, ["output_values", 1]),
        ({**AGENT, "output_type": "boolean", "output_values": [True, 1]}, ["output_values", 1]),
        ({**AGENT, "output_values": ["a", "b", "a"]}, ["output_values", 2]),
        ({**AGENT, "rubric_id": ""}, ["rubric_id"]),
        ({**AGENT, "rubric_id": 5}, ["rubric_id"]),
        ({**AGENT, "rubric_version": 2}, ["rubric_version"]),  # no rubric_id
        ({**AGENT, "rubric_id": "r", "rubric_version": 0}, ["rubric_version"]),
        ({**AGENT, "rubric_id": "r", "rubric_version": "2"}, ["rubric_version"]),
        ({**AGENT, "rubric_id": "r", "output_type": "boolean"}, ["output_type"]),
        ({**AGENT, "rubric_id": "r", "output_values": [0, 1]}, ["output_values"]),
        ({**AGENT, "designated_to": "IFAgent"}, ["designated_to"]),
        ({**AGENT, "designated_to": {"agent_name": "IFAgent"}}, ["designated_to", "config"]),
        (
            {**AGENT, "designated_to": {"agent_name": "SuperAgent", "config": {"model": MODEL}}},
            ["designated_to", "agent_name"],
        ),
        (
            {**AGENT, "designated_to": {"config": {"model": MODEL, "temperature": "hot"}}},
            ["designated_to", "config", "temperature"],
        ),
        (
            {**AGENT, "designated_to": {"config": {"model": MODEL, "temperature": 3}}},
            ["designated_to", "config", "temperature"],
        ),
        ({**AGENT, "designated_to": {"config": {}}}, ["model"]),  # no model anywhere
        (
            {**AGENT, "designated_to": {"config": {"model": 4}}},
            ["designated_to", "config", "model"],
        ),
        (
            {**AGENT, "designated_to": {"config": {"model": ""}}},
            ["designated_to", "config", "model"],
        ),
        (
            {**AGENT, "designated_to": {"config": {"model": "nope/x"}}},
            ["designated_to", "config", "model"],
        ),
        ({**AGENT, "designated_to": {"config": {}}, "model": "nope/x"}, ["model"]),
        ({**AGENT, "temperature": -1}, ["temperature"]),
        ({**AGENT, "run_condition": {"op": "maybe"}}, ["run_condition", "op"]),
    ],
)
def test_bad_agent_configurations_name_the_field(config: dict[str, Any], loc: list[Any]) -> None:
    assert loc_of("auto_evaluation.agent", config) == loc
    if "output_rules" in config:  # else it is not the guided-decoding agent shape
        assert loc_of("auto_evaluation.guided_decoding", config) == loc


PINNED = RubricSnapshot(
    "r", 2, (CriterionSnapshot("c1", 3, "Cites a source", {"hint": "a link"}, 2.0),)
)


def _rubric(rubric_id: str, version: int | None) -> RubricSnapshot | RubricRefusal:
    if rubric_id != "r":
        return RubricRefusal("rubric_id", f"rubric {rubric_id!r} not found")
    if version not in (None, 2):
        return RubricRefusal("rubric_version", f"no version {version}")
    return PINNED


def pin(task_type: str, config: dict[str, Any]) -> dict[str, Any]:
    return REGISTRY[task_type].pin(config, LOC, replace(CTX, rubric=_rubric))


@pytest.mark.parametrize("task_type", ["auto_evaluation.agent", "auto_evaluation.guided_decoding"])
def test_an_agents_rubric_is_pinned_with_its_criteria(task_type: str) -> None:
    pinned = pin(task_type, {**AGENT, "rubric_id": "r"})
    assert pinned == {
        **AGENT,
        "rubric_id": "r",
        "rubric_version": 2,
        "rubric_criteria": [
            {
                "id": "c1",
                "version": 3,
                "title": "Cites a source",
                "annotations": {"hint": "a link"},
                "weight": 2.0,
            }
        ],
    }
    assert snapshot_of(pinned) == PINNED
    # What a client sends as `rubric_criteria` is the server's to set: replaced, or dropped.
    assert pin(task_type, {**pinned, "rubric_criteria": [{"id": "forged"}]}) == pinned
    assert pin(task_type, {**AGENT, "rubric_criteria": []}) == AGENT


def test_a_rubric_that_cannot_be_used_is_a_422_at_its_field() -> None:
    with pytest.raises(Unprocessable) as unknown:
        pin("auto_evaluation.agent", {**AGENT, "rubric_id": "other"})
    assert unknown.value.detail[0]["loc"] == [*LOC, "rubric_id"]
    with pytest.raises(Unprocessable) as version:
        pin("auto_evaluation.agent", {**AGENT, "rubric_id": "r", "rubric_version": 1})
    assert version.value.detail[0]["loc"] == [*LOC, "rubric_version"]
    # Without a lookup (the custom-function dry run's context), no rubric can be used.
    with pytest.raises(Unprocessable):
        REGISTRY["auto_evaluation.agent"].pin({**AGENT, "rubric_id": "r"}, LOC, CTX)
    # Other task types store their configuration as given.
    choices = {"model": MODEL, "prompt": "p", "choices": ["a"]}
    assert pin("auto_evaluation.guided_decoding", choices) is choices


def test_the_agents_model_is_the_designated_one_else_the_top_level_one() -> None:
    agent = REGISTRY["auto_evaluation.agent"]
    assert agent.model_for(AGENT) == MODEL
    assert (
        agent.model_for({**AGENT, "designated_to": {"config": {}}, "model": "openai/x"})
        == "openai/x"
    )
    assert REGISTRY["auto_evaluation.guided_decoding"].model_for(AGENT) == MODEL
    assert (
        REGISTRY["auto_evaluation.guided_decoding"].model_for(
            {"model": "openai/y", "choices": ["a"]}
        )
        == "openai/y"
    )


# auto_evaluation.guided_decoding ------------------------------------------------------------------


STRUCTURED: dict[str, Any] = {
    "model": MODEL,
    "prompt": "Grade {{item.a}}",
    "response_format": SCHEMA,
}


@pytest.mark.parametrize(
    ("config", "loc"),
    [
        ({**STRUCTURED, "choices": ["a"]}, ["response_format"]),
        ({**AGENT, "choices": ["a"], "model": MODEL, "prompt": "p"}, ["output_rules"]),
        ({**STRUCTURED, "response_format": {"type": "array"}}, ["response_format", "type"]),
        ({**STRUCTURED, "response_format": None}, ["response_format"]),
        ({k: v for k, v in STRUCTURED.items() if k != "prompt"}, ["prompt"]),
        ({k: v for k, v in STRUCTURED.items() if k != "model"}, ["model"]),
        ({**STRUCTURED, "inference_args": []}, ["inference_args"]),
        ({**STRUCTURED, "system_prompt": 1}, ["system_prompt"]),
        ({**STRUCTURED, "run_condition": {"op": "eq", "left": 1}}, ["run_condition", "right"]),
        ({"model": MODEL, "prompt": "p"}, ["choices"]),  # no shape at all: choices are missing
        (
            {"model": MODEL, "prompt": "p", "choices": ["a"], "run_condition": "item.go"},
            ["run_condition"],
        ),
    ],
)
def test_bad_guided_decoding_shapes(config: dict[str, Any], loc: list[Any]) -> None:
    assert loc_of("auto_evaluation.guided_decoding", config) == loc


def test_good_guided_decoding_shapes() -> None:
    condition = {"op": "in", "left": {"op": "var", "path": "lang"}, "operands": ["en", "fr"]}
    validate("auto_evaluation.guided_decoding", {**STRUCTURED, "run_condition": condition})
    validate(
        "auto_evaluation.guided_decoding",
        {"model": MODEL, "prompt": "p", "choices": ["a", "b"], "run_condition": condition},
    )
    validate(
        "auto_evaluation.question",
        {"model": MODEL, "prompt": "p", "question_id": "q-1", "run_condition": condition},
    )


def test_a_question_task_checks_its_run_condition() -> None:
    config = {"model": MODEL, "prompt": "p", "question_id": "q-1", "run_condition": {"op": "var"}}
    assert loc_of("auto_evaluation.question", config) == ["run_condition", "path"]


# agentex_output -----------------------------------------------------------------------------------


AGENTEX: dict[str, Any] = {"agentex_agent_id": "agent-1", "input_column": "item.input"}


@pytest.mark.parametrize(
    "config",
    [
        AGENTEX,
        {**AGENTEX, "input_column": {"text": "item.input"}},
        {**AGENTEX, "input_column": ["item.a", "item.b"]},
        {
            **AGENTEX,
            "agent_task_params": {"config_id": "item.cfg"},
            "completion_mode": "turn_quiescence",
            "deployment_id": "dep-1",
            "include_traces": True,
            "input_mode": "data",
            "quiescence_seconds": 5,
            "timeout_seconds": 1500,
        },
        {
            **AGENTEX,
            "agent_task_params": "item.params",
            "include_traces": "item.traces",
            "timeout_seconds": "item.t",
        },
    ],
)
def test_good_agentex_configurations(config: dict[str, Any]) -> None:
    validate("agentex_output", config)


@pytest.mark.parametrize(
    ("config", "loc"),
    [
        ({"input_column": "item.input"}, ["agentex_agent_id"]),
        ({**AGENTEX, "agentex_agent_id": 5}, ["agentex_agent_id"]),
        ({"agentex_agent_id": "a"}, ["input_column"]),
        ({**AGENTEX, "input_column": "input"}, ["input_column"]),
        ({**AGENTEX, "input_column": 3}, ["input_column"]),
        ({**AGENTEX, "agent_task_params": [1]}, ["agent_task_params"]),
        ({**AGENTEX, "completion_mode": "last_message"}, ["completion_mode"]),
        ({**AGENTEX, "deployment_id": 1}, ["deployment_id"]),
        ({**AGENTEX, "include_traces": "yes"}, ["include_traces"]),
        ({**AGENTEX, "input_mode": "audio"}, ["input_mode"]),
        ({**AGENTEX, "quiescence_seconds": 1.5}, ["quiescence_seconds"]),
        ({**AGENTEX, "timeout_seconds": 1501}, ["timeout_seconds"]),
        ({**AGENTEX, "timeout_seconds": 0}, ["timeout_seconds"]),
    ],
)
def test_bad_agentex_configurations(config: dict[str, Any], loc: list[Any]) -> None:
    assert loc_of("agentex_output", config) == loc


# contributor_evaluation.question options ----------------------------------------------------------


CONTRIBUTOR: dict[str, Any] = {
    "question_id": "q-1",
    "layout": {"children": [{"data": "item.input"}]},
}


def test_contributor_options() -> None:
    validate(
        "contributor_evaluation.question",
        {**CONTRIBUTOR, "prefill_from": "label", "required": False, "rubric_id": "rubric-1"},
    )
    assert loc_of("contributor_evaluation.question", {**CONTRIBUTOR, "prefill_from": 1}) == [
        "prefill_from"
    ]
    assert loc_of("contributor_evaluation.question", {**CONTRIBUTOR, "prefill_from": " "}) == [
        "prefill_from"
    ]
    assert loc_of("contributor_evaluation.question", {**CONTRIBUTOR, "required": "yes"}) == [
        "required"
    ]
    assert loc_of("contributor_evaluation.question", {**CONTRIBUTOR, "rubric_id": ["r"]}) == [
        "rubric_id"
    ]


@pytest.mark.parametrize(
    ("extra", "loc"),
    [
        ({"reviewers_per_item": 0}, ["reviewers_per_item"]),
        ({"reviewers_per_item": 11}, ["reviewers_per_item"]),
        ({"reviewers_per_item": 2.0}, ["reviewers_per_item"]),
        ({"reviewers_per_item": True}, ["reviewers_per_item"]),
        ({"queue_id": " "}, ["queue_id"]),
        ({"queue_id": "q" * 257}, ["queue_id"]),
        ({"rubric_version": 2}, ["rubric_version"]),
        ({"rubric_id": "r", "rubric_version": 0}, ["rubric_version"]),
        ({"rubric_id": ""}, ["rubric_id"]),
        # Both clients read the layout as a container: a bare component failed their parse.
        ({"layout": {"data": "item.input"}}, ["layout", "children"]),
        ({"layout": {"children": [{"data": "x"}]}}, ["layout", "children", 0, "data"]),
    ],
)
def test_contributor_review_options_are_checked(extra: dict[str, Any], loc: list[Any]) -> None:
    assert loc_of("contributor_evaluation.question", {**CONTRIBUTOR, **extra}) == loc


def test_a_contributor_rubric_is_pinned_as_an_agents_is() -> None:
    validate("contributor_evaluation.question", {**CONTRIBUTOR, "reviewers_per_item": 10})
    pinned = pin("contributor_evaluation.question", {**CONTRIBUTOR, "rubric_id": "r"})
    assert pinned["rubric_version"] == 2
    assert snapshot_of(pinned) == PINNED
    with pytest.raises(Unprocessable) as unknown:
        pin("contributor_evaluation.question", {**CONTRIBUTOR, "rubric_id": "other"})
    assert unknown.value.detail[0]["loc"] == [*LOC, "rubric_id"]
    assert pin("contributor_evaluation.question", CONTRIBUTOR) == CONTRIBUTOR


# chat_completion ----------------------------------------------------------------------------------


CHAT: dict[str, Any] = {"model": MODEL, "messages": [{"role": "user", "content": "item.input"}]}


@pytest.mark.parametrize(
    "extra",
    [
        {"stop": "\n"},
        {"stop": ["\n", "END"]},
        {"tool_choice": "auto"},
        {"tool_choice": {"type": "function", "function": {"name": "lookup"}}},
    ],
)
def test_chat_completion_accepts_the_wider_stop_and_tool_choice(extra: dict[str, Any]) -> None:
    validate("chat_completion", {**CHAT, **extra})


@pytest.mark.parametrize(
    ("extra", "loc"),
    [
        ({"stop": 3}, ["stop"]),
        ({"stop": ["ok", 3]}, ["stop", 1]),
        ({"tool_choice": 1}, ["tool_choice"]),
        ({"tool_choice": ["auto"]}, ["tool_choice"]),
    ],
)
def test_chat_completion_refuses_other_stop_and_tool_choice(
    extra: dict[str, Any], loc: list[Any]
) -> None:
    assert loc_of("chat_completion", {**CHAT, **extra}) == loc


# Inference of task_type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "task_type"),
    [
        (STRUCTURED, "auto_evaluation.guided_decoding"),
        ({"model": MODEL, "prompt": "p", "choices": ["a"]}, "auto_evaluation.guided_decoding"),
        (AGENT, "auto_evaluation.agent"),
        ({"definition": "d", "output_rules": ["r"], "model": MODEL}, "auto_evaluation.agent"),
        ({"output_rules": ["r"], "model": MODEL}, None),
        (AGENTEX, "agentex_output"),
        ({**CHAT, "response_format": SCHEMA}, "chat_completion"),
    ],
)
def test_task_type_is_inferred_from_the_new_shapes(
    config: dict[str, Any], task_type: str | None
) -> None:
    assert infer_task_type(config) == task_type
