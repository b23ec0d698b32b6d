"""How a judge's reply is constrained (per vendor) and read back (always, whatever the vendor).

Three reply formats:

- `choice` (the guided-decoding task): the reply is one of the choices.
- `verdict` (question and agent judges): the reply is `{"rationale": "...", "answer": <typed
  answer>}`; the rationale comes first so a model writes its reasoning before it commits to an
  answer.
- `object` (structured output): the reply is itself the JSON object the caller's schema
  describes, with nothing around it.

Three decoding modes, a vendor capability of the providers file (`guided_decoding`):

- `openai`: OpenAI structured outputs, `response_format: {type: json_schema, ...}`. The choice
  format then asks for `{"answer": <enum of choices>}`.
- `vllm`: vLLM's extra parameters, `guided_choice` for the choice format and `guided_json` for
  verdicts and objects.
- `none`: nothing but the instruction.

Whatever the mode, `parse_reply` checks the reply exactly: a constraint the vendor ignored, or a
truncated reply, is caught here and not stored.
"""

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import orjson

from yardstick.judge.answers import AnswerSpec, ChoiceAnswer, InvalidAnswer
from yardstick.provider.config import GuidedDecoding

DecodingMode: TypeAlias = GuidedDecoding
ReplyFormat = Literal["choice", "verdict", "object"]
SCHEMA_NAME = "judge_answer"


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def reply_schema(
    spec: AnswerSpec, reply_format: ReplyFormat, *, strict_subset: bool
) -> dict[str, Any]:
    """The JSON Schema of a whole structured reply."""
    answer = spec.schema(strict_subset=strict_subset)
    if reply_format == "object":
        return answer
    if reply_format == "choice":
        return _object({"answer": answer})
    return _object({"rationale": {"type": "string"}, "answer": answer})


def constraint(
    mode: DecodingMode, spec: AnswerSpec, reply_format: ReplyFormat, *, name: str = SCHEMA_NAME
) -> dict[str, Any]:
    """The request body keys that make the vendor decode only valid replies; `name` is the
    structured-outputs schema name."""
    if mode == "vllm":
        if reply_format == "choice" and isinstance(spec, ChoiceAnswer):
            return {"guided_choice": spec.choices}
        return {"guided_json": reply_schema(spec, reply_format, strict_subset=False)}
    if mode == "openai":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": name,
                    "schema": reply_schema(spec, reply_format, strict_subset=spec.strict),
                    "strict": spec.strict,
                },
            }
        }
    return {}


def is_structured(mode: DecodingMode, reply_format: ReplyFormat) -> bool:
    """Whether the reply comes back as a JSON object (rather than the bare answer)."""
    return reply_format != "choice" or mode == "openai"


@dataclass(frozen=True)
class Parsed:
    value: Any
    rationale: str | None = None


def _json(text: str) -> Any:
    # Models asked for JSON without constrained decoding like to fence it; the fence is the only
    # thing forgiven, the value inside is checked as strictly as any other.
    if text.startswith("```") and text.endswith("```") and len(text) >= 6:
        text = text[3:-3]
        text = text.removeprefix("json").strip()
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidAnswer(f"the reply is not valid JSON ({exc})") from exc


def _json_object(text: str) -> dict[str, Any]:
    value = _json(text)
    if not isinstance(value, dict):
        raise InvalidAnswer("the reply must be a JSON object")
    if "answer" not in value:
        raise InvalidAnswer('the JSON object has no "answer" key')
    return value


def parse_reply(
    reply: str | None, spec: AnswerSpec, reply_format: ReplyFormat, *, structured: bool
) -> Parsed:
    """The typed answer in `reply`, or InvalidAnswer saying why there is none.

    The reply is stripped of surrounding whitespace. A choice reply must be exactly a choice;
    where structured output was requested, `{"answer": "<choice>"}` is accepted too. A verdict
    reply is a JSON object with `answer` (and optionally `rationale`); for every type but a form
    a bare answer is accepted as well, since it is unambiguous. An object reply is the JSON value
    the spec checks, whole.
    """
    if reply is None or not reply.strip():
        raise InvalidAnswer("the reply was empty")
    text = reply.strip()
    if reply_format == "object":
        return Parsed(spec.check(_json(text)))
    if reply_format == "choice":
        try:
            return Parsed(spec.from_text(text))
        except InvalidAnswer:
            if not (structured and text.startswith(("{", "```"))):
                raise
        return Parsed(spec.check(_json_object(text)["answer"]))
    if text.startswith(("{", "```")):
        obj = _json_object(text)
        rationale = obj.get("rationale")
        return Parsed(spec.check(obj["answer"]), rationale if isinstance(rationale, str) else None)
    return Parsed(spec.from_text(text))
