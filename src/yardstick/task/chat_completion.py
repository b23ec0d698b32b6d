from typing import Any

from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.locator import is_locator
from yardstick.task.registry import TaskType, register
from yardstick.task.run_condition import check_run_condition
from yardstick.task.validation import Loc, ValidationContext, check, check_model, fail

# Configuration keys that are Yardstick's, not the chat call's: never sent to the model.
_NOT_SENT = frozenset({"model", "run_condition"})


@register
class ChatCompletion(TaskType):
    name = "chat_completion"
    default_alias = "chat_completion"
    # Not in SGP's schema, where it would be sent to the model as a request field (and refused
    # there on every item): a condition on a model call means "call only where it holds".
    conditional = True

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_model(config, loc, ctx)
        messages = check(config, "messages", list, loc, required=True, locator_ok=True)
        if isinstance(messages, list):
            if not messages:
                fail([*loc, "messages"], "must hold at least one message")
            for index, message in enumerate(messages):
                if not isinstance(message, dict) and not is_locator(message):
                    fail(
                        [*loc, "messages", index],
                        "must be an object like {role, content} or an item locator",
                    )
        for key, kind in (
            ("temperature", float),
            ("top_p", float),
            ("max_tokens", int),
            ("max_completion_tokens", int),
            ("n", int),
            ("seed", int),
        ):
            check(config, key, kind, loc, locator_ok=True)
        # SGP 0.7 widened these two: `stop` may be one sequence or a list, `tool_choice` a mode
        # ("none", "auto", "required") or an object naming a tool.
        stop = config.get("stop")
        if isinstance(stop, list):
            for index, sequence in enumerate(stop):
                if not isinstance(sequence, str):
                    fail([*loc, "stop", index], "must be a string")
        elif stop is not None and not isinstance(stop, str):
            fail([*loc, "stop"], "must be a string or a list of strings")
        tool_choice = config.get("tool_choice")
        if tool_choice is not None and not isinstance(tool_choice, str | dict):
            fail([*loc, "tool_choice"], "must be a string or an object")
        check_run_condition(config, loc)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        body = {key: value for key, value in config.items() if key not in _NOT_SENT}
        response, output = await ctx.chat(config["model"], body)
        try:
            choice = response["choices"][0]
            output.value = choice["message"].get("content")
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise TaskFailure(
                "InvalidResponse", f"the model's reply has no first choice: {exc!r}"
            ) from exc
        output.details = {
            "finish_reason": choice.get("finish_reason"),
            "usage": response.get("usage"),
            "model": response.get("model"),
        }
        return output
