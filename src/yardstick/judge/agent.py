"""The agent judge (`auto_evaluation.agent`): an LLM judge told what it evaluates (`definition`),
how to answer (`output_rules`), and shown the item's fields; its answer is typed by
`output_type` and restricted to `output_values` when they are given.

The reply is a verdict (`{"rationale", "answer"}`, see `decoding`), checked and re-asked like a
question judge's; the rationale is kept in the cell's details. `agent_name` adds a one-sentence
focus to the system prompt for the specialised agents; the default (`APEAgent`) and `BaseAgent`
add none. With a rubric, the answer is a score per criterion and the value their weighted mean
(see `rubric`).
"""

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import orjson

from yardstick.judge.answers import (
    INTEGER_TEXT,
    NUMBER_TEXT,
    AnswerSpec,
    InvalidAnswer,
    show,
)
from yardstick.judge.decoding import DecodingMode
from yardstick.judge.loop import ask_until_valid, decoding_mode
from yardstick.judge.prompts import JUDGE_SYSTEM, answer_format
from yardstick.judge.rubric import RubricAnswer, rubric_section, weighted_score
from yardstick.rubric.snapshot import RubricSnapshot
from yardstick.task.context import ExecContext, TaskOutput

OutputType = Literal["text", "integer", "float", "boolean"]
OUTPUT_TYPES: tuple[OutputType, ...] = get_args(OutputType)
AGENT_NAMES = ("APEAgent", "IFAgent", "TruthfulnessAgent", "BaseAgent")
DEFAULT_AGENT = "APEAgent"
FOCUS = {
    "IFAgent": (
        "You specialise in instruction following: check how closely a response follows every "
        "instruction it was given, and name each instruction it breaks."
    ),
    "TruthfulnessAgent": (
        "You specialise in truthfulness: check whether each claim is accurate and supported by "
        "the data, and name each one that is not."
    ),
}

_TRUE, _FALSE = frozenset({"true", "yes"}), frozenset({"false", "no"})
_JSON_TYPES: dict[str, str] = {
    "text": "string",
    "integer": "integer",
    "float": "number",
    "boolean": "boolean",
}


def _json_text(value: Any) -> str:
    """A number or boolean as its JSON text (an integer past 64 bits, which orjson cannot
    write, as its digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return orjson.dumps(value).decode()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def coerce(output_type: str, value: Any) -> Any:
    """`value` as `output_type`, or InvalidAnswer. Text forms of numbers and booleans are read
    ("4", "true"/"yes"); an integer may be written as an integral float (4.0); a number or a
    boolean given for text becomes its JSON text."""
    if output_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise InvalidAnswer(f"the answer must be true or false, not {show(value)}")
    if output_type == "integer":
        number = None
        if isinstance(value, str) and INTEGER_TEXT.match(value.strip()):
            number = int(value.strip())
        elif _is_number(value) and math.isfinite(value) and float(value).is_integer():
            number = int(value)
        # 64 bits: what a result can store (an answer of 1e300 failed the whole run's write).
        if number is None or not -(2**63) <= number < 2**63:
            raise InvalidAnswer(f"the answer must be an integer within 64 bits, not {show(value)}")
        return number
    if output_type == "float":
        if isinstance(value, str) and NUMBER_TEXT.match(value.strip()):
            value = float(value.strip())
        if _is_number(value) and math.isfinite(value):
            return float(value)
        raise InvalidAnswer(f"the answer must be a number, not {show(value)}")
    if isinstance(value, str):
        return value.strip()
    if _is_number(value) or isinstance(value, bool):
        return show(value)
    raise InvalidAnswer(f"the answer must be text, not {show(value)}")


def infer_output_type(output_rules: Sequence[str], output_values: Sequence[Any] | None) -> str:
    """The answer type when `output_type` is absent.

    From `output_values` when given: all booleans → boolean, all integers → integer, all
    numbers → float, else text. Otherwise from the words of `output_rules`: "true"/"false",
    "boolean" or "yes/no" → boolean; "float", "decimal" or a decimal number (0.5) → float;
    "integer" or an integer range ("1-5", "1 to 5") → integer; else text.
    """
    if output_values:
        if all(isinstance(v, bool) for v in output_values):
            return "boolean"
        if all(isinstance(v, int) and not isinstance(v, bool) for v in output_values):
            return "integer"
        if all(_is_number(v) for v in output_values):
            return "float"
        return "text"
    text = " ".join(output_rules).lower()
    if re.search(r"\b(true|false|boolean|yes/no|yes or no)\b", text):
        return "boolean"
    if re.search(r"\b(float|decimal)\b|\d\.\d", text):
        return "float"
    if re.search(r"\binteger\b|\d+\s*(-|–|to)\s*\d+", text):
        return "integer"
    return "text"


class AgentAnswer(AnswerSpec):
    """An answer of `output_type`, one of `values` when they are given."""

    kind = "agent"

    def __init__(self, output_type: str, values: Sequence[Any] | None = None) -> None:
        self.output_type = output_type
        self.values = [coerce(output_type, value) for value in values] if values else None
        self.json_type = {
            "text": "a JSON string",
            "integer": "a JSON integer",
            "float": "a JSON number",
            "boolean": "a JSON boolean",
        }[output_type]

    def describe(self) -> str:
        if self.values is not None:
            listed = "\n".join(f"- {show(value)}" for value in self.values)
            return f"exactly one of these values (one per line):\n{listed}"
        return {
            "text": "text",
            "integer": "an integer",
            "float": "a number",
            "boolean": "true or false",
        }[self.output_type]

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": _JSON_TYPES[self.output_type]}
        if self.values is not None:
            schema["enum"] = self.values
        return schema

    def check(self, value: Any) -> Any:
        answer = coerce(self.output_type, value)
        if self.values is None:
            return answer
        # The values are coerced to the answer's type already, so `==` compares like with like.
        for allowed in self.values:
            if answer == allowed:
                return allowed
        shown = ", ".join(show(value) for value in self.values)
        raise InvalidAnswer(f"{show(answer)} is not one of the allowed values {shown}")

    def from_text(self, text: str) -> Any:
        return self.check(text)


def _render(value: Any) -> str:
    return value if isinstance(value, str) else show(value)


def agent_messages(
    *,
    name: str,
    definition: str,
    output_rules: Sequence[str],
    data: Mapping[str, Any],
    agent_name: str,
    spec: AnswerSpec,
    mode: DecodingMode,
    rubric: RubricSnapshot | None = None,
) -> list[dict[str, Any]]:
    system = JUDGE_SYSTEM
    if agent_name in FOCUS:
        system = f"{system} {FOCUS[agent_name]}"
    rules = "\n".join(f"- {rule}" for rule in output_rules)
    criteria = f"{rubric_section(rubric)}\n\n" if rubric is not None else ""
    fields = "\n\n".join(f"### {field}\n{_render(value)}" for field, value in data.items())
    user = (
        f"# Evaluation: {name}\n\n{definition}\n\n## Output rules\n{rules}\n\n{criteria}"
        f"## Data\n{fields or '(no fields)'}\n\n"
        "Put your reasoning, and anything else the output rules ask you to list, in the "
        "rationale.\n"
        f"{answer_format(spec, 'verdict', mode)}"
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


async def run_agent(
    ctx: ExecContext,
    *,
    model: str,
    name: str,
    definition: str,
    output_rules: Sequence[str],
    data: Mapping[str, Any],
    output_type: str,
    output_values: Sequence[Any] | None,
    agent_name: str,
    temperature: float | None,
    rubric: RubricSnapshot | None = None,
) -> TaskOutput:
    """The typed answer as the value (with a rubric, the weighted score); the rationale, agent
    and answer type (and the rubric's scores) in the details."""
    mode = decoding_mode(ctx, model)
    spec: AnswerSpec = (
        RubricAnswer(rubric) if rubric is not None else AgentAnswer(output_type, output_values)
    )
    messages = agent_messages(
        name=name,
        definition=definition,
        output_rules=output_rules,
        data=data,
        agent_name=agent_name,
        spec=spec,
        mode=mode,
        rubric=rubric,
    )
    parsed, output = await ask_until_valid(
        ctx,
        model,
        messages,
        spec,
        "verdict",
        mode=mode,
        inference_args={"temperature": temperature} if temperature is not None else None,
        details={
            "agent_name": agent_name,
            # A rubric's answer is its weighted score, whatever type the caller named.
            "output_type": "float" if rubric is not None else output_type,
            "data_fields": list(data),
        },
    )
    assert output.details is not None
    output.details["rationale"] = parsed.rationale
    if rubric is not None:
        output.value, scores = weighted_score(rubric, parsed.value)
        output.details["rubric"] = {"id": rubric.rubric_id, "version": rubric.version}
        output.details["criteria_scores"] = scores
    return output
