"""`auto_evaluation.agent`: an agent-as-a-judge, run as an LLM judge (yardstick.judge.agent).

Configuration: `name`, `definition`, `output_rules` (required); `data_fields` (the item fields
shown to the judge: input fields or earlier tasks' aliases, or dotted paths into them; every
input field when absent), `output_type` (inferred when absent, see `infer_output_type`),
`output_values`, `designated_to` {`agent_name`, `config` {`model`, `temperature`}}, a top-level
`model` and `temperature` (used when `designated_to.config` has none), `run_condition`.

The `auto_evaluation.guided_decoding` configuration with `output_rules` is this task too.

With a `rubric_id` (a live rubric of the account) the judge scores each of the rubric's
criteria from 0 to 1 and the cell's value is their weighted mean (yardstick.judge.rubric), so
`output_type` can only be `float` and `output_values` do not apply. The criteria are pinned
when the task is created or changed (`pin`): `rubric_version` is set to the version used (the
latest when absent) and `rubric_criteria` to the criteria themselves at that version
(yardstick.rubric.snapshot), so every later run, retries included, scores against the same
criteria even after the rubric changes.
"""

from typing import Any

from yardstick.judge.agent import (
    AGENT_NAMES,
    DEFAULT_AGENT,
    OUTPUT_TYPES,
    coerce,
    infer_output_type,
    run_agent,
)
from yardstick.judge.answers import InvalidAnswer
from yardstick.rubric.snapshot import RUBRIC_CRITERIA, BadSnapshot, RubricRefusal, snapshot_of
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.locator import LOCATOR, lookup
from yardstick.task.registry import TaskType, register
from yardstick.task.run_condition import check_run_condition, locator_for
from yardstick.task.validation import Loc, ValidationContext, check, check_str, fail

WITH_RUBRIC = "with a rubric the answer is the weighted score of its criteria, a number"


def _designated_config(config: dict[str, Any]) -> dict[str, Any]:
    designated = config.get("designated_to")
    inner = designated.get("config") if isinstance(designated, dict) else None
    return inner if isinstance(inner, dict) else {}


def agent_model(config: dict[str, Any]) -> str | None:
    """`designated_to.config.model`, else the top-level `model`."""
    for model in (_designated_config(config).get("model"), config.get("model")):
        if isinstance(model, str):
            return model
    return None


def _check_strings(config: dict[str, Any], key: str, loc: Loc, *, required: bool) -> list[str]:
    values = check(config, key, list, loc, required=required)
    if values is None:
        return []
    if required and not values:
        fail([*loc, key], "must hold at least one entry")
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            fail([*loc, key, index], "must be a non-empty string")
    return values  # type: ignore[no-any-return]


def _check_output(config: dict[str, Any], loc: Loc, rules: list[str]) -> None:
    output_type = config.get("output_type")
    if output_type is not None and output_type not in OUTPUT_TYPES:
        fail([*loc, "output_type"], f"must be one of {', '.join(OUTPUT_TYPES)}")
    values = check(config, "output_values", list, loc)
    if values is None:
        return
    if not values:
        fail([*loc, "output_values"], "must hold at least one value (or leave it out)")
    answer_type = output_type or infer_output_type(rules, values)
    coerced = []
    for index, value in enumerate(values):
        if value is None or isinstance(value, dict | list):
            fail([*loc, "output_values", index], "must be a string, number or boolean")
        try:
            coerced.append(coerce(answer_type, value))
        except InvalidAnswer:
            fail([*loc, "output_values", index], f"is not a value of output_type {answer_type!r}")
        if coerced[-1] in coerced[:-1]:
            fail([*loc, "output_values", index], "values must be distinct")


def _check_designated(config: dict[str, Any], loc: Loc) -> None:
    designated = check(config, "designated_to", dict, loc)
    if designated is None:
        return
    where = [*loc, "designated_to"]
    agent_name = designated.get("agent_name")
    if agent_name is not None and agent_name not in AGENT_NAMES:
        fail([*where, "agent_name"], f"must be one of {', '.join(AGENT_NAMES)}")
    inner = check(designated, "config", dict, where, required=True)
    check_str(inner, "model", [*where, "config"])
    _check_temperature(inner, [*where, "config"])


def _check_temperature(config: dict[str, Any], loc: Loc) -> None:
    temperature = check(config, "temperature", float, loc)
    if temperature is not None and not 0 <= temperature <= 2:
        fail([*loc, "temperature"], "must be from 0 to 2")


def _check_model(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
    check_str(config, "model", loc)
    designated = _designated_config(config).get("model")
    if designated is not None:
        model, where = designated, [*loc, "designated_to", "config", "model"]
    elif config.get("model") is not None:
        model, where = config["model"], [*loc, "model"]
    else:
        fail([*loc, "model"], "field required: give designated_to.config.model or model")
    if not model:
        fail(where, "must not be empty")
    problem = ctx.model_problem(model)
    if problem is not None:
        fail(where, problem)


def _check_rubric(config: dict[str, Any], loc: Loc) -> None:
    rubric_id = check_str(config, "rubric_id", loc)
    version = check(config, "rubric_version", int, loc)
    if rubric_id is None:
        if version is not None:
            fail([*loc, "rubric_version"], "a rubric_version needs a rubric_id")
        return
    if not rubric_id:
        fail([*loc, "rubric_id"], "must not be empty")
    if version is not None and version < 1:
        fail([*loc, "rubric_version"], "must be at least 1")
    if config.get("output_type") not in (None, "float"):
        fail([*loc, "output_type"], f"{WITH_RUBRIC}: leave output_type out or make it 'float'")
    if config.get("output_values") is not None:
        fail([*loc, "output_values"], f"{WITH_RUBRIC}: leave output_values out")


def pin_agent(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> dict[str, Any]:
    """The configuration with its rubric's criteria pinned (see the module's docstring).

    `rubric_criteria` is the server's: whatever a client sends there is replaced."""
    stored = {key: value for key, value in config.items() if key != RUBRIC_CRITERIA}
    rubric_id = config.get("rubric_id")
    if rubric_id is None:
        return stored
    found = ctx.rubric(rubric_id, config.get("rubric_version"))
    if isinstance(found, RubricRefusal):
        fail([*loc, found.field], found.message)
    return {**stored, "rubric_version": found.version, RUBRIC_CRITERIA: found.criteria_json()}


def validate_agent(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
    check_str(config, "name", loc, required=True)
    check_str(config, "definition", loc, required=True)
    rules = _check_strings(config, "output_rules", loc, required=True)
    for index, field in enumerate(_check_strings(config, "data_fields", loc, required=False)):
        if LOCATOR.match(locator_for(field)) is None:
            fail([*loc, "data_fields", index], "must be a field name or a path like 'a.b.0'")
    _check_rubric(config, loc)
    _check_output(config, loc, rules)
    _check_designated(config, loc)
    _check_temperature(config, loc)
    _check_model(config, loc, ctx)
    check_run_condition(config, loc)


def _text(config: dict[str, Any], key: str) -> str:
    value = config.get(key)
    if not isinstance(value, str):
        raise TaskFailure("InvalidConfiguration", f"`{key}` must resolve to text")
    return value


async def execute_agent(config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
    assert ctx.item is not None, "the runner gives every cell its item"
    rules = config.get("output_rules")
    if not isinstance(rules, list) or not all(isinstance(rule, str) for rule in rules):
        raise TaskFailure("InvalidConfiguration", "`output_rules` must resolve to a list of text")
    # A field the item lacks is the cell's ItemLocatorError, a failed task's alias its
    # UpstreamTaskError, exactly as for a locator.
    fields = config.get("data_fields") or list(ctx.item.inputs)
    data = {field: lookup(ctx.item.row, locator_for(field), ctx.item.failed) for field in fields}
    values = config.get("output_values")
    designated = config.get("designated_to")
    agent_name = designated.get("agent_name") if isinstance(designated, dict) else None
    temperature = _designated_config(config).get("temperature", config.get("temperature"))
    model = agent_model(config)
    assert model is not None  # validated at create
    try:
        rubric = snapshot_of(config)
    except BadSnapshot as exc:
        raise TaskFailure("InvalidConfiguration", str(exc)) from exc
    return await run_agent(
        ctx,
        model=model,
        name=_text(config, "name"),
        definition=_text(config, "definition"),
        output_rules=rules,
        data=data,
        output_type=(
            "float"
            if rubric is not None
            else config.get("output_type") or infer_output_type(rules, values)
        ),
        output_values=values,
        agent_name=agent_name or DEFAULT_AGENT,
        temperature=temperature,
        rubric=rubric,
    )


@register
class AutoEvaluationAgent(TaskType):
    name = "auto_evaluation.agent"
    default_alias = "auto_evaluation_agent"
    conditional = True

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        validate_agent(config, loc, ctx)

    def pin(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> dict[str, Any]:
        return pin_agent(config, loc, ctx)

    def model_for(self, config: dict[str, Any]) -> str | None:
        return agent_model(config)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        return await execute_agent(config, ctx)
