"""`agentex_output`: outputs of an external Agentex agent. Yardstick runs no Agentex agents, so
the task is validated and stored, and each of its cells records an `UnsupportedTask` error."""

from typing import Any

from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.locator import is_locator
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_str, fail

COMPLETION_MODES = ("first_message", "turn_quiescence")
INPUT_MODES = ("text", "data")
MAX_TIMEOUT_SECONDS = 1500  # SGP's cap, within its per-item budget


def _check_choice(config: dict[str, Any], key: str, allowed: tuple[str, ...], loc: Loc) -> None:
    value = config.get(key)
    if value is not None and value not in allowed:
        fail([*loc, key], f"must be one of {', '.join(allowed)}")


def _check_seconds(config: dict[str, Any], key: str, loc: Loc, *, minimum: int) -> None:
    value = check(config, key, int, loc, locator_ok=True)
    if isinstance(value, int) and not minimum <= value <= MAX_TIMEOUT_SECONDS:
        fail([*loc, key], f"must be from {minimum} to {MAX_TIMEOUT_SECONDS}")


@register
class AgentexOutput(TaskType):
    name = "agentex_output"
    default_alias = "agentex_output"

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_str(config, "agentex_agent_id", loc, required=True)
        if config.get("input_column") is None:
            fail([*loc, "input_column"], "field required")
        column = config["input_column"]
        if isinstance(column, str):
            if not is_locator(column):
                fail([*loc, "input_column"], "must be an item locator like 'item.input'")
        elif not isinstance(column, dict | list):
            fail([*loc, "input_column"], "must be an item locator, an object or a list")
        check(config, "agent_task_params", dict, loc, locator_ok=True)
        _check_choice(config, "completion_mode", COMPLETION_MODES, loc)
        check_str(config, "deployment_id", loc)
        check(config, "include_traces", bool, loc, locator_ok=True)
        _check_choice(config, "input_mode", INPUT_MODES, loc)
        _check_seconds(config, "quiescence_seconds", loc, minimum=0)
        _check_seconds(config, "timeout_seconds", loc, minimum=1)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        raise TaskFailure(
            "UnsupportedTask",
            f"agentex_output task for Agentex agent {config['agentex_agent_id']!r} "
            "cannot run: Yardstick has no Agentex runtime",
        )
