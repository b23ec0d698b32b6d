from typing import Any

from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.locator import is_locator
from yardstick.task.registry import TaskType, register
from yardstick.task.replies import why_no_choice
from yardstick.task.run_condition import check_run_condition
from yardstick.task.validation import Loc, ValidationContext, check, check_model, fail

# Configuration keys that are Yardstick's, not the chat call's: never sent to the model.
_NOT_SENT = frozenset({"model", "run_condition"})


def _check_messages(messages: Any) -> None:
    """What `validate` checks of literal messages, on what locators made of them on this item:
    anything else would be sent to the vendor, whose refusal (or a 5xx, retried) costs calls
    and says less."""
    if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
        return
    if not isinstance(messages, list):
        got = "null" if messages is None else type(messages).__name__
        message = f"`messages` must resolve to a list of message objects, got {got}"
    elif not messages:
        message = "`messages` resolved to an empty list: a chat needs at least one message"
    else:
        index, bad = next((i, m) for i, m in enumerate(messages) if not isinstance(m, dict))
        got = "null" if bad is None else type(bad).__name__
        message = f"`messages.{index}` must resolve to an object like {{role, content}}, got {got}"
    raise TaskFailure("InvalidConfiguration", message)


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
        _check_messages(config.get("messages"))
        body = {key: value for key, value in config.items() if key not in _NOT_SENT}
        answer = await ctx.chat(config["model"], body)
        response, output = answer.response, answer.output
        try:
            choice = response["choices"][0]
            output.value = choice["message"].get("content")
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            # The call was made and may have been billed: the cell keeps what it cost.
            raise TaskFailure(
                "InvalidResponse",
                f"the model's reply has no first choice: {why_no_choice(answer, exc)}",
                attempts=output.attempts,
                details={"usage": response.get("usage"), "model": response.get("model")},
                prompt_tokens=output.prompt_tokens,
                completion_tokens=output.completion_tokens,
            ) from exc
        output.details = {
            "finish_reason": choice.get("finish_reason"),
            "usage": response.get("usage"),
            "model": response.get("model"),
        }
        return output
