"""Ask a judge, check its reply, and ask again with a correction until it is valid or the
budget (YARDSTICK_JUDGE_MAX_REASKS re-asks) is spent."""

from dataclasses import dataclass, field
from typing import Any

from yardstick.judge.answers import AnswerSpec, InvalidAnswer, UnusableSpec
from yardstick.judge.decoding import (
    SCHEMA_NAME,
    DecodingMode,
    Parsed,
    ReplyFormat,
    constraint,
    is_structured,
    parse_reply,
)
from yardstick.judge.prompts import correction, quote
from yardstick.task.context import ChatAnswer, ExecContext, TaskFailure, TaskOutput
from yardstick.task.replies import why_no_choice

# Keys of `inference_args` the judge sets itself.
_OWN_KEYS = frozenset({"model", "messages", "stream", "stream_options"})


@dataclass
class _Tally:
    """What every ask so far cost and said."""

    replies: list[str | None] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float = 0.0
    attempts: int = 0
    model: str | None = None

    def add(self, response: dict[str, Any], call: TaskOutput) -> None:
        if call.prompt_tokens is not None:
            self.prompt_tokens = (self.prompt_tokens or 0) + call.prompt_tokens
        if call.completion_tokens is not None:
            self.completion_tokens = (self.completion_tokens or 0) + call.completion_tokens
        self.latency_ms += call.latency_ms or 0.0
        self.attempts += call.attempts
        self.model = response.get("model") if isinstance(response.get("model"), str) else self.model

    def details(self, mode: DecodingMode, extra: dict[str, Any]) -> dict[str, Any]:
        usage = None
        if self.prompt_tokens is not None or self.completion_tokens is not None:
            prompt, completion = self.prompt_tokens or 0, self.completion_tokens or 0
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        return {
            "decoding": mode,
            "asks": len(self.replies),
            "replies": self.replies,
            "usage": usage,
            "model": self.model,
            **extra,
        }


def _reply(answer: ChatAnswer) -> tuple[str | None, str | None]:
    """The first choice's text, and the refusal it carries instead, if any."""
    try:
        message = answer.response["choices"][0]["message"]
        content = message.get("content")
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise TaskFailure(
            "InvalidResponse",
            f"the judge's reply has no first choice: {why_no_choice(answer, exc)}",
        ) from exc
    if isinstance(content, list):  # content parts
        content = "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    refusal = message.get("refusal")
    return (content if isinstance(content, str) else None), (
        refusal if isinstance(refusal, str) and refusal else None
    )


def max_reasks(ctx: ExecContext) -> int:
    return ctx.providers.settings.judge_max_reasks


def decoding_mode(ctx: ExecContext, model: str) -> DecodingMode:
    """The vendor's constrained-decoding capability (`guided_decoding` in the providers file)."""
    route = ctx.route(model)
    return ctx.providers.vendors[route.vendor].guided_decoding


async def ask_until_valid(
    ctx: ExecContext,
    model: str,
    messages: list[dict[str, Any]],
    spec: AnswerSpec,
    reply_format: ReplyFormat,
    *,
    mode: DecodingMode,
    inference_args: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    schema_name: str = SCHEMA_NAME,
) -> tuple[Parsed, TaskOutput]:
    """The first valid answer, with the cell's output (value unset); else TaskFailure.

    Each re-ask continues the conversation: the wrong reply as the assistant's turn, then a
    correction naming what is wrong. Provider errors end the cell at once (the provider layer
    has already retried them); what the asks before it cost stays on the failed cell.
    """
    extra = details or {}
    body = {k: v for k, v in (inference_args or {}).items() if k not in _OWN_KEYS}
    body.update(constraint(mode, spec, reply_format, name=schema_name))
    structured = is_structured(mode, reply_format)
    tally = _Tally()
    conversation = list(messages)
    reason = ""
    for _ in range(1 + max_reasks(ctx)):
        try:
            answer = await ctx.chat(model, {**body, "messages": conversation})
        except TaskFailure as exc:
            raise _with_tally(exc, tally, mode, extra, failed_call=True) from exc
        tally.add(answer.response, answer.output)
        try:
            content, refusal = _reply(answer)
        except TaskFailure as exc:
            tally.replies.append(None)  # an ask made and paid for, that said nothing
            raise _with_tally(exc, tally, mode, extra) from exc
        tally.replies.append(content if content is not None else refusal)
        try:
            if content is None and refusal is not None:
                raise InvalidAnswer(f"the reply was a refusal ({quote(refusal)})")
            parsed = parse_reply(content, spec, reply_format, structured=structured)
        except InvalidAnswer as exc:
            reason = str(exc)
            said = content or refusal or ""
            conversation = [
                *conversation,
                {"role": "assistant", "content": said},
                {"role": "user", "content": correction(said, reason, spec, reply_format, mode)},
            ]
            continue
        except UnusableSpec as exc:
            raise _with_tally(TaskFailure("InvalidQuestion", str(exc)), tally, mode, extra) from exc
        output = TaskOutput(
            value=parsed.value,
            details=tally.details(mode, extra),
            latency_ms=tally.latency_ms,
            attempts=tally.attempts,
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
        )
        return parsed, output
    failure = TaskFailure(
        "InvalidJudgeAnswer",
        f"no valid answer after {len(tally.replies)} asks: {reason}; "
        f"last reply: {quote(tally.replies[-1])}",
    )
    raise _with_tally(failure, tally, mode, extra)


def _with_tally(
    exc: TaskFailure,
    tally: _Tally,
    mode: DecodingMode,
    extra: dict[str, Any],
    *,
    failed_call: bool = False,
) -> TaskFailure:
    """A cell error that keeps the replies and the tokens of the asks made before it.

    `failed_call`: the error is a call that failed after the tallied ones, so its own attempts
    add to theirs.
    """
    if not tally.replies:
        return exc
    exc.attempts = tally.attempts + (exc.attempts if failed_call else 0)
    exc.details = tally.details(mode, extra)
    exc.prompt_tokens = tally.prompt_tokens
    exc.completion_tokens = tally.completion_tokens
    return exc
