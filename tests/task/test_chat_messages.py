"""A chat_completion's `messages` as its locators resolved them on one item: checked before the
model is called, as validation checks literal messages at create."""

import asyncio
from typing import Any, cast

import pytest

import yardstick.task.types  # noqa: F401  (registers every task type)
from yardstick.provider import Providers
from yardstick.task.context import ChatAnswer, ExecContext, TaskFailure, TaskOutput
from yardstick.task.locator import resolve_config
from yardstick.task.registry import REGISTRY

MODEL = "openai/fake-chat"


class RecordingContext(ExecContext):
    """Answers every chat with "ok" and keeps the bodies it was sent."""

    def __init__(self) -> None:
        super().__init__(providers=cast(Providers, None), account_id="acct")
        self.bodies: list[dict[str, Any]] = []

    async def chat(self, model: str, body: dict[str, Any], **limits: Any) -> ChatAnswer:
        self.bodies.append(body)
        reply = {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}
        return ChatAnswer(reply, TaskOutput(value=None), str)


def run_on(config: dict[str, Any], item: dict[str, Any]) -> tuple[RecordingContext, Any]:
    ctx = RecordingContext()
    resolved = resolve_config(config, item, frozenset())
    return ctx, asyncio.run(REGISTRY["chat_completion"].execute(resolved, ctx))


@pytest.mark.parametrize(
    ("config", "item", "said"),
    [
        ({"messages": "item.msgs"}, {"msgs": "hello"}, "`messages` must resolve to a list"),
        ({"messages": "item.msgs"}, {"msgs": None}, "got null"),
        ({"messages": "item.msgs"}, {"msgs": []}, "resolved to an empty list"),
        ({"messages": ["item.m"]}, {"m": "hello"}, "`messages.0` must resolve to an object"),
        ({"messages": "item.msgs"}, {"msgs": [{"role": "user", "content": "a"}, 3]}, "messages.1"),
    ],
)
def test_messages_that_resolve_to_no_chat_fail_the_cell_without_a_call(
    config: dict[str, Any], item: dict[str, Any], said: str
) -> None:
    with pytest.raises(TaskFailure) as caught:
        run_on({"model": MODEL, **config}, item)
    assert caught.value.type == "InvalidConfiguration"
    assert said in caught.value.message


def test_messages_from_locators_that_resolve_to_a_chat_are_sent() -> None:
    message = {"role": "user", "content": "hello"}
    ctx, output = run_on({"model": MODEL, "messages": ["item.m"]}, {"m": message})
    assert output.value == "ok"
    assert ctx.bodies == [{"messages": [message]}]
