"""What a running task gets and gives back."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from yardstick.provider import ModelRoute, ProviderError, Providers
from yardstick.provider.usage import usage_of


@dataclass
class TaskOutput:
    """A finished cell: the value stored under the alias, and what the call cost."""

    value: Any
    details: dict[str, Any] | None = None
    latency_ms: float | None = None
    attempts: int = 1
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class ChatAnswer(NamedTuple):
    """A chat call's answer, what it cost, and how to quote the answer in a cell's error
    without the call's key (an upstream may quote the key it was sent)."""

    response: dict[str, Any]
    output: "TaskOutput"
    hidden: Callable[[str], str]


class TaskFailure(Exception):
    """A cell's error: `type` and `message` end up in `task_errors[alias]`."""

    def __init__(
        self,
        type_: str,
        message: str,
        *,
        attempts: int = 1,
        details: dict[str, Any] | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message
        self.attempts = attempts
        # What the cell did before it failed (a judge's replies, the tokens they cost): kept
        # with the errored cell like a finished one's.
        self.details = details
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        # The upstream HTTP status when a model call was refused (fail fast tells an
        # authentication or unknown-model refusal from one about this item's request).
        self.status_code = status_code


@dataclass(frozen=True)
class ItemView:
    """The item a cell runs on, for task types that read fields by name rather than through
    locators in their configuration (an agent judge's `data_fields`)."""

    # The input fields and the results of the tasks run before this one (a skipped one is null).
    # Read it, never change it: it is the runner's own row.
    row: dict[str, Any]
    # The input fields' names, in the row's order (without any task's result).
    inputs: tuple[str, ...]
    # Aliases of earlier tasks that failed on this item.
    failed: frozenset[str]


@dataclass
class ExecContext:
    """Per chunk: the provider layer and each task model's route, resolved once up front.

    The runner hands each cell a copy with `item` set (the chunk's shared state is shared).
    """

    providers: Providers
    account_id: str
    routes: dict[str, ModelRoute | ProviderError] = field(default_factory=dict)
    # The questions the tasks name (`question_id`), by id: {name, prompt, question_type,
    # configuration}, loaded once per chunk.
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    item: ItemView | None = None

    def for_item(self, item: ItemView) -> "ExecContext":
        """This chunk's context for one cell (built directly: `dataclasses.replace` costs
        several times more, once per cell)."""
        return ExecContext(self.providers, self.account_id, self.routes, self.questions, item)

    def route(self, model: str) -> ModelRoute:
        route = self.routes.get(model)
        if route is None:
            raise TaskFailure("ModelNotFound", f"model {model!r} was not resolved for this run")
        if isinstance(route, ProviderError):
            raise TaskFailure(route.type, route.message)
        return route

    def question(self, question_id: str) -> dict[str, Any]:
        question = self.questions.get(question_id)
        if question is None:
            raise TaskFailure("QuestionNotFound", f"question {question_id!r} not found")
        return question

    async def chat(self, model: str, body: dict[str, Any], **limits: Any) -> ChatAnswer:
        """One chat completion through the provider layer; provider errors become cell errors."""
        try:
            result = await self.providers.chat_completion(self.route(model), body, **limits)
        except ProviderError as exc:
            raise TaskFailure(
                exc.type, exc.message, attempts=exc.attempts, status_code=exc.status_code
            ) from exc
        usage = usage_of(result.response)
        output = TaskOutput(
            value=None,
            latency_ms=result.latency_ms,
            attempts=result.attempts,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )
        return ChatAnswer(result.response, output, result.hidden)
