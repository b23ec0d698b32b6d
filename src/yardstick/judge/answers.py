"""What a judge may answer, per answer kind: how to ask for it, its JSON Schema, how to check it.

One `AnswerSpec` per question type; the guided-decoding task uses the
categorical one with its own choices. A spec checks an answer two ways: `check` takes the JSON
value of a structured reply's `answer`, `from_text` takes a bare reply. Both return the typed
value stored as the cell's result or raise `InvalidAnswer`, whose message is
shown to the judge when it is asked again, so it says what a valid answer looks like.
"""

import math
import re
from datetime import datetime
from typing import Any

import orjson
from referencing.exceptions import Unresolvable

from yardstick.kit import bounded_schema


class InvalidAnswer(ValueError):
    """A reply that is not a valid answer; the message tells the judge what is wrong."""


class UnusableSpec(Exception):
    """No answer can be checked (a form schema whose `$ref` resolves nowhere): asking again is
    pointless, so this fails the cell at once."""


# ASCII digits (`\d` takes every script's), and at most 19 of them: an integer in 64 bits, which
# is all a result can store (int() of 4,301 digits would raise, past 19 the write would fail).
INTEGER_TEXT = re.compile(r"^[+-]?[0-9]{1,19}$")
NUMBER_TEXT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
# A rating scale up to this many points is offered as an enum (which every constrained decoder
# supports); a longer one as minimum/maximum.
_ENUM_STEPS = 100
# How much of a reply a correction quotes back.
SHOWN_CHARS = 500


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def show(value: Any) -> str:
    """A value of a reply, as the correction quotes it: its JSON, at most SHOWN_CHARS of it
    (a reply past what JSON can write, too deep or an integer past 64 bits, by its repr)."""
    try:
        text = orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _fmt(number: float) -> str:
    # Integral values as integers (3, not 3.0), but only where a double holds every integer:
    # 1e308 as its 309 digits said nothing a reader could check.
    if float(number).is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(float(number))


class AnswerSpec:
    """One kind of answer. `strict` is whether `schema(strict_subset=True)` is exactly the rule.

    Where it is not (form schemas, text lengths), a structured-output call with `strict: true`
    could be refused or could not enforce the rule, so the call is made without strictness and
    `check` enforces what the vendor did not.
    """

    kind: str
    json_type: str  # how the `answer` of a JSON reply is written, for the instruction
    strict: bool = True

    def describe(self) -> str:
        """The instruction: what a valid answer is, completing "Answer with …"."""
        raise NotImplementedError

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        """The answer's JSON Schema; `strict_subset` keeps to what OpenAI strict mode accepts."""
        raise NotImplementedError

    def check(self, value: Any) -> Any:
        """The typed answer from the JSON value of a structured reply."""
        raise NotImplementedError

    def from_text(self, text: str) -> Any:
        """The typed answer from a bare reply (already stripped of surrounding whitespace)."""
        raise NotImplementedError


class ChoiceAnswer(AnswerSpec):
    """Exactly one of `choices` (a categorical question, or a guided-decoding task)."""

    kind = "categorical"
    json_type = "a JSON string"

    def __init__(self, choices: list[str]) -> None:
        self.choices = list(choices)

    def describe(self) -> str:
        listed = "\n".join(f"- {choice}" for choice in self.choices)
        return (
            "exactly one of the following choices, written exactly as shown "
            f"(one per line):\n{listed}"
        )

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        return {"type": "string", "enum": self.choices}

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidAnswer(
                f"the answer must be one of the choices as a string, not {show(value)}"
            )
        return self.from_text(value)

    def from_text(self, text: str) -> str:
        if text in self.choices:
            return text
        # Choices may themselves carry spaces at their ends; match those by their stripped form.
        stripped = text.strip()
        matches = [choice for choice in self.choices if choice.strip() == stripped]
        if len(matches) == 1:
            return matches[0]
        shown = ", ".join(show(choice) for choice in self.choices)
        raise InvalidAnswer(f"{show(text)} is not one of the choices {shown}")


class RatingAnswer(AnswerSpec):
    """An integer on a 1..steps scale."""

    kind = "rating"
    json_type = "a JSON integer"

    def __init__(self, steps: int, min_label: str, max_label: str) -> None:
        self.steps = steps
        self.min_label = min_label
        self.max_label = max_label

    def describe(self) -> str:
        return (
            f"an integer rating from 1 to {self.steps}, where 1 means {show(self.min_label)} "
            f"and {self.steps} means {show(self.max_label)}"
        )

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        if self.steps <= _ENUM_STEPS:
            return {"type": "integer", "enum": list(range(1, self.steps + 1))}
        return {"type": "integer", "minimum": 1, "maximum": self.steps}

    def check(self, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidAnswer(
                f"the rating must be an integer from 1 to {self.steps}, not {show(value)}"
            )
        if not 1 <= value <= self.steps:
            raise InvalidAnswer(f"the rating {value} is outside the scale 1 to {self.steps}")
        return value

    def from_text(self, text: str) -> int:
        if not INTEGER_TEXT.match(text):
            raise InvalidAnswer(f"{show(text)} is not an integer rating from 1 to {self.steps}")
        return self.check(int(text))


class NumberAnswer(AnswerSpec):
    """A number within optional bounds (inclusive); stored as a float."""

    kind = "number"
    json_type = "a JSON number"

    def __init__(self, minimum: float | None, maximum: float | None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def _range(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" from {_fmt(self.minimum)} to {_fmt(self.maximum)} (inclusive)"
        if self.minimum is not None:
            return f" of at least {_fmt(self.minimum)}"
        if self.maximum is not None:
            return f" of at most {_fmt(self.maximum)}"
        return ""

    def describe(self) -> str:
        return f"a number{self._range()}"

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema

    def check(self, value: Any) -> float:
        if not _is_number(value) or not math.isfinite(value):
            raise InvalidAnswer(f"the answer must be a number{self._range()}, not {show(value)}")
        number = float(value)
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise InvalidAnswer(
                f"{_fmt(number)} is out of range: the answer must be a number{self._range()}"
            )
        return number

    def from_text(self, text: str) -> float:
        if not NUMBER_TEXT.match(text):
            raise InvalidAnswer(f"{show(text)} is not a number")
        return self.check(float(text))


class FreeTextAnswer(AnswerSpec):
    """Text within optional length bounds, counted in characters after stripping its ends."""

    kind = "free_text"
    json_type = "a JSON string"

    def __init__(self, min_length: int | None, max_length: int | None) -> None:
        self.min_length = min_length
        self.max_length = max_length
        # OpenAI strict mode accepts no string lengths; then only `check` enforces them.
        self.strict = min_length is None and max_length is None

    def _bounds(self) -> str:
        if self.min_length is not None and self.max_length is not None:
            return f" of {self.min_length} to {self.max_length} characters"
        if self.min_length is not None:
            return f" of at least {self.min_length} characters"
        if self.max_length is not None:
            return f" of at most {self.max_length} characters"
        return ""

    def describe(self) -> str:
        return f"a free-text answer{self._bounds()}"

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if not strict_subset:
            if self.min_length is not None:
                schema["minLength"] = self.min_length
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
        return schema

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidAnswer(f"the answer must be text (a JSON string), not {show(value)}")
        return self.from_text(value)

    def from_text(self, text: str) -> str:
        text = text.strip()
        length = len(text)
        if (self.min_length is not None and length < self.min_length) or (
            self.max_length is not None and length > self.max_length
        ):
            raise InvalidAnswer(
                f"the answer has {length} characters; it must be a text{self._bounds()}"
            )
        return text


class FormAnswer(AnswerSpec):
    """A JSON object valid against the question's `form_schema`."""

    kind = "form"
    json_type = "a JSON object"
    strict = False  # an arbitrary schema rarely fits OpenAI strict mode's subset
    MAX_ERRORS = 5
    schema_label = "the form schema"  # how a mismatch names the schema

    def __init__(self, form_schema: dict[str, Any]) -> None:
        self.form_schema = form_schema
        self._validator = bounded_schema.validator(form_schema)

    def describe(self) -> str:
        return f"a JSON object valid against this JSON Schema:\n{show(self.form_schema)}"

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        return self.form_schema

    def check(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidAnswer(f"the answer must be a JSON object, not {show(value)}")
        try:
            errors = sorted(
                self._validator.iter_errors(value), key=lambda e: list(map(str, e.path))
            )
        except (Unresolvable, bounded_schema.UnboundedPattern) as exc:
            # An unbounded pattern here is a schema saved before patterns were checked.
            raise UnusableSpec(f"the question's form_schema cannot be used: {exc}") from exc
        if errors:
            shown = "; ".join(
                f"at {'/' + '/'.join(map(str, error.path)) if error.path else 'the top level'}: "
                f"{error.message}"
                for error in errors[: self.MAX_ERRORS]
            )
            more = len(errors) - self.MAX_ERRORS
            raise InvalidAnswer(
                f"the answer does not match {self.schema_label}: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
            )
        return value

    def from_text(self, text: str) -> dict[str, Any]:
        raise InvalidAnswer('the reply must be a JSON object with the form under "answer"')


class MultiChoiceAnswer(AnswerSpec):
    """One or more of `choices` (a categorical question with `multi`), stored as a list in the
    order of the choices.

    A repeated choice is read as one: it adds nothing, and reading it so spares a re-ask. That
    is also why `uniqueItems` stays out of the schema, where neither OpenAI strict mode nor every
    vLLM backend accepts it; `maxItems` (every choice once) still bounds the reply.
    """

    kind = "categorical"
    json_type = "a JSON array of strings, each one of the choices"

    def __init__(self, choices: list[str]) -> None:
        self.choices = list(choices)
        self._single = ChoiceAnswer(choices)

    def describe(self) -> str:
        listed = "\n".join(f"- {choice}" for choice in self.choices)
        return (
            "one or more of the following choices, each written exactly as shown "
            f"(one per line):\n{listed}"
        )

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": self.choices},
            "minItems": 1,
            "maxItems": len(self.choices),
        }

    def check(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidAnswer(
                f"the answer must be a JSON array of the chosen choices, not {show(value)}"
            )
        return self._pick(value)

    def from_text(self, text: str) -> list[str]:
        # A bare reply is a JSON array, or one choice per line (a single choice is one line).
        if text.startswith("["):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise InvalidAnswer(f"the reply is not a valid JSON array ({exc})") from exc
            return self.check(value)
        return self._pick([line for line in text.splitlines() if line.strip()])

    def _pick(self, replies: list[str]) -> list[str]:
        if not replies:
            raise InvalidAnswer("the answer must name at least one of the choices")
        picked = {self._single.from_text(reply) for reply in replies}
        return [choice for choice in self.choices if choice in picked]


class TimestampAnswer(AnswerSpec):
    """An ISO 8601 date and time (a timestamp question), or a non-empty list of them with
    `multi`; stored normalized, as `datetime.isoformat` writes it with UTC as `Z`.

    The schema asks for `format: date-time` (RFC 3339, which both OpenAI strict mode and vLLM
    understand); the check is `datetime.fromisoformat`, which accepts every RFC 3339 timestamp
    and the other ISO 8601 forms a judge without constrained decoding may write. A time without
    an offset is kept as it is: inventing a zone for it would change its meaning.
    """

    kind = "timestamp"
    EXAMPLE = "2024-05-01T13:45:00Z"

    def __init__(self, multi: bool) -> None:
        self.multi = multi
        self.json_type = (
            "a JSON array of ISO 8601 strings" if multi else "a JSON string in ISO 8601 format"
        )

    def describe(self) -> str:
        if self.multi:
            return f"one or more dates with times in ISO 8601 format, such as {self.EXAMPLE}"
        return f"a date with a time in ISO 8601 format, such as {self.EXAMPLE}"

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        one = {"type": "string", "format": "date-time"}
        return {"type": "array", "items": one, "minItems": 1} if self.multi else one

    def check(self, value: Any) -> str | list[str]:
        if not self.multi:
            if not isinstance(value, str):
                raise InvalidAnswer(
                    f"the answer must be an ISO 8601 timestamp as a string, not {show(value)}"
                )
            return self._normalize(value)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidAnswer(
                f"the answer must be a JSON array of ISO 8601 timestamps, not {show(value)}"
            )
        return self._all(value)

    def from_text(self, text: str) -> str | list[str]:
        # A bare reply may still be JSON: a quoted string, or an array with `multi`.
        if text.startswith(("[", '"')):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise InvalidAnswer(f"the reply is not valid JSON ({exc})") from exc
            if self.multi and isinstance(value, str):
                value = [value]
            return self.check(value)
        if not self.multi:
            return self._normalize(text)
        return self._all([line for line in text.splitlines() if line.strip()])

    def _all(self, values: list[str]) -> list[str]:
        if not values:
            raise InvalidAnswer("the answer must hold at least one timestamp")
        return [self._normalize(value) for value in values]

    def _normalize(self, value: str) -> str:
        text = value.strip()
        # RFC 3339 allows a lower-case `z`, which `fromisoformat` does not.
        if text.endswith("z"):
            text = text[:-1] + "Z"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise InvalidAnswer(
                f"{show(value)} is not an ISO 8601 timestamp (such as {self.EXAMPLE})"
            ) from exc
        return parsed.isoformat().replace("+00:00", "Z")


def spec_for_question(question_type: str, configuration: dict[str, Any]) -> AnswerSpec:
    """The answer spec of a stored question (its configuration is validated at create time)."""
    if question_type == "categorical":
        if configuration.get("multi"):
            return MultiChoiceAnswer(configuration["choices"])
        return ChoiceAnswer(configuration["choices"])
    if question_type == "rating":
        return RatingAnswer(
            configuration["steps"], configuration["min_label"], configuration["max_label"]
        )
    if question_type == "number":
        return NumberAnswer(configuration.get("min"), configuration.get("max"))
    if question_type == "free_text":
        return FreeTextAnswer(configuration.get("min_length"), configuration.get("max_length"))
    if question_type == "form":
        return FormAnswer(configuration["form_schema"])
    if question_type == "timestamp":
        return TimestampAnswer(bool(configuration.get("multi")))
    raise ValueError(f"unknown question_type {question_type!r}")
