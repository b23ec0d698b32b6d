"""The judge's messages: the first ask, and the correction that goes with a re-ask."""

from typing import Any

from yardstick.judge.answers import AnswerSpec
from yardstick.judge.decoding import DecodingMode, ReplyFormat

JUDGE_SYSTEM = (
    "You are a careful, impartial evaluator. Read the material you are given, answer the "
    "question about it, and follow the answer format exactly."
)
# How much of a wrong reply is quoted back in a correction or an error message.
QUOTE_CHARS = 300


def quote(reply: str | None, limit: int = QUOTE_CHARS) -> str:
    text = reply or ""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def answer_format(spec: AnswerSpec, reply_format: ReplyFormat, mode: DecodingMode) -> str:
    """What to answer and how to write it: ends the first ask and every correction."""
    what = f"Answer with {spec.describe()}"
    if reply_format == "verdict":
        how = (
            'Reply with only a JSON object of the form {"rationale": "<your reasoning, in a few '
            f'sentences>", "answer": <your answer>}}, where "answer" is {spec.json_type}.'
        )
    elif reply_format == "object":
        how = "Reply with only that JSON object: no code fence, no explanation, nothing else."
    elif mode == "openai":
        how = 'Reply with a JSON object whose "answer" is your choice.'
    else:
        how = "Reply with your choice only: no quotes, no explanation, nothing else."
    return f"{what}\n\n{how}"


def choice_messages(
    prompt: str,
    spec: AnswerSpec,
    *,
    system_prompt: str | None,
    mode: DecodingMode,
    reply_format: ReplyFormat = "choice",
) -> list[dict[str, Any]]:
    """The guided-decoding task: the caller's own system prompt, its prompt, then the choices
    (or, for structured output, the schema: in every mode, as the choices are)."""
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    messages.append(
        {"role": "user", "content": f"{prompt}\n\n{answer_format(spec, reply_format, mode)}"}
    )
    return messages


def question_messages(
    prompt: str, question_prompt: str, spec: AnswerSpec, *, mode: DecodingMode
) -> list[dict[str, Any]]:
    """A question judge: the task's prompt (the material), the question, the answer format."""
    user = f"{prompt}\n\nQuestion: {question_prompt}\n\n{answer_format(spec, 'verdict', mode)}"
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": user}]


def correction(
    reply: str | None, reason: str, spec: AnswerSpec, reply_format: ReplyFormat, mode: DecodingMode
) -> str:
    """The user turn after a wrong reply (which precedes it as the assistant's turn)."""
    return (
        f"Your reply {quote(reply)} is not a valid answer: {reason}.\n\n"
        f"{answer_format(spec, reply_format, mode)}"
    )
