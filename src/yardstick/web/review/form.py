"""A queue's questions as form controls, and the review form read back into answers.

Each question type gets the control that fits it (field `a.<alias>`):

- categorical: radio buttons, checkboxes with `multi`, or a drop-down list with `dropdown`;
- rating: radio buttons 1…steps with the scale's end labels, or a number input past
  `RADIO_STEPS` points;
- number: a number input with the question's min and max;
- free_text: a textarea; form: a textarea of JSON; timestamp: a text input (a textarea with
  one timestamp a line, with `multi`);
- a question with a rubric: one score from 0 to 1 per criterion (`r.<alias>.<criterion id>`).

Reading the form turns each field into the typed answer the API takes (a number for a rating,
a list for checkboxes, `{criterion id: score}` for a rubric); an empty field is no answer.
Anything that does not parse is handed over as typed, so that the service's own check names
the problem, except a form question's JSON, which only this side can read (a 422 naming it).
What the form sends then passes the checks every JSON body of the API passes (`storable`):
the service never sees a value the API would have refused before it.
The raw values are kept, so a refused form comes back as it was sent.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import orjson
from starlette.datastructures import FormData

from yardstick.annotation.questions import QueueQuestion
from yardstick.errors import AppError, Unprocessable
from yardstick.kit.body import NOT_JSON, BodyProblem, check_storable, parse_json

RADIO_STEPS = 10  # a longer rating scale is a number input
ANSWER = "a."
SCORE = "r."

ControlKind = Literal["radio", "checkbox", "select", "number", "textarea", "json", "line", "rubric"]
# A control's value as the form holds it: one string, several, or a score per criterion.
Raw = str | list[str] | dict[str, str]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    weight: float


@dataclass(frozen=True)
class Control:
    alias: str
    name: str  # the question's name
    prompt: str
    question_type: str
    required: bool
    kind: ControlKind
    choices: list[Choice] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    step: str = "any"
    placeholder: str = ""
    criteria: list[Criterion] = field(default_factory=list)
    raw: Raw = ""
    error: str | None = None

    @property
    def field(self) -> str:
        return ANSWER + self.alias

    def score_field(self, criterion_id: str) -> str:
        return f"{SCORE}{self.alias}.{criterion_id}"

    def checked(self, value: str) -> bool:
        return value == self.raw if isinstance(self.raw, str) else value in self.raw

    def score(self, criterion_id: str) -> str:
        return self.raw.get(criterion_id, "") if isinstance(self.raw, dict) else ""

    @property
    def text(self) -> str:
        return self.raw if isinstance(self.raw, str) else ""


def _control(question: QueueQuestion, audit: bool) -> Control:
    q = question.question
    config = q.configuration or {}
    base = Control(
        alias=question.alias,
        name=q.name,
        prompt=q.prompt,
        question_type=q.question_type,
        required=question.required and not audit,  # an auditor answers only what they correct
        kind="textarea",
    )
    if question.rubric is not None:
        criteria = [Criterion(c.id, c.title, c.weight) for c in question.rubric.criteria]
        return replace(base, kind="rubric", criteria=criteria, minimum=0, maximum=1, raw={})
    kind = q.question_type
    if kind == "categorical":
        choices = [Choice(c, c) for c in config.get("choices") or []]
        if config.get("multi"):
            return replace(base, kind="checkbox", choices=choices, raw=[])
        listed: ControlKind = "select" if config.get("dropdown") else "radio"
        return replace(base, kind=listed, choices=choices, raw="")
    if kind == "rating":
        steps = int(config.get("steps") or 0)
        if steps > RADIO_STEPS:
            return replace(base, kind="number", minimum=1, maximum=steps, step="1")
        labels = {1: config.get("min_label"), steps: config.get("max_label")}
        choices = [
            Choice(str(n), f"{n} · {labels[n]}" if labels.get(n) else str(n))
            for n in range(1, steps + 1)
        ]
        return replace(base, kind="radio", choices=choices)
    if kind == "number":
        return replace(base, kind="number", minimum=config.get("min"), maximum=config.get("max"))
    if kind == "form":
        return replace(base, kind="json", placeholder='{"field": "value"}')
    if kind == "timestamp":
        if config.get("multi"):
            return replace(base, kind="textarea", placeholder="one timestamp a line")
        return replace(base, kind="line", placeholder="2024-05-01T13:45:00Z")
    return base  # free_text


def controls(questions: Sequence[QueueQuestion], *, audit: bool = False) -> list[Control]:
    return [_control(question, audit) for question in questions]


# --- values in and out ------------------------------------------------------------------------


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown(control: Control, value: Any) -> Raw:
    """An answer as submitted (the API's form of it) as the control holds it."""
    if value is None:
        return control.raw
    if control.kind == "rubric":
        scores = value if isinstance(value, dict) else {}
        return {str(key): _number_text(score) for key, score in scores.items()}
    if control.kind == "checkbox":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if control.kind == "json":
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    if isinstance(value, list):  # several timestamps
        return "\n".join(str(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return str(value)


def with_answers(found: Sequence[Control], answers: Mapping[str, Any] | None) -> list[Control]:
    """The controls holding a task's submitted answers."""
    given = answers or {}
    return [replace(c, raw=shown(c, given.get(c.alias))) for c in found]


def read_form(found: Sequence[Control], form: FormData) -> list[Control]:
    """The controls holding what the form sent."""
    out = []
    for control in found:
        raw: Raw
        if control.kind == "rubric":
            raw = {c.id: str(form.get(control.score_field(c.id)) or "") for c in control.criteria}
        elif control.kind == "checkbox":
            raw = [str(v) for v in form.getlist(control.field)]
        else:
            raw = str(form.get(control.field) or "")
        out.append(replace(control, raw=raw))
    return out


def _number(text: str) -> Any:
    """An int or finite float of the text, or the text itself for the service to refuse
    (so its message shows what was typed: `nan`, not the null JSON makes of it)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _answer(control: Control) -> Any:
    raw = control.raw
    if isinstance(raw, dict):
        scores = {cid: _number(text.strip()) for cid, text in raw.items() if text.strip()}
        return scores or None
    if isinstance(raw, list):
        return raw or None
    text = raw.strip()
    if not text:
        return None
    if control.kind == "number" or (control.kind == "radio" and control.question_type == "rating"):
        return _number(text)
    if control.kind == "json":
        # As the API parses a body: integers past 64 bits kept exact (then refused), not
        # turned into floats.
        try:
            return parse_json(text.encode())
        except BodyProblem as problem:
            raise Unprocessable(
                ["body", "answers", control.alias, *problem.loc[1:]],
                problem.msg.replace(NOT_JSON, "the answer is not valid JSON: ", 1),
            ) from None
    if control.question_type == "timestamp" and control.kind == "textarea":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text


def answers_of(found: Sequence[Control]) -> dict[str, Any]:
    """{alias: answer} of the controls' values, leaving out the unanswered."""
    answers = {}
    for control in found:
        value = _answer(control)
        if value is not None:
            answers[control.alias] = value
    return answers


def storable(answers: Mapping[str, Any], comment: str) -> None:
    """Unprocessable where the form's answers or comment hold what no JSON body of the API may
    (a NUL, an integer past 64 bits, nesting too deep), at the field the API would name."""
    try:
        check_storable({"answers": answers, "comment": comment})
    except BodyProblem as problem:
        raise Unprocessable(problem.loc, problem.msg) from None


def with_error(found: Sequence[Control], error: AppError) -> tuple[list[Control], str]:
    """The controls with a 422's message on the question it names, and the message for the
    top of the form (every problem, or a 409's text)."""
    if not isinstance(error.detail, list):
        return list(found), str(error.detail)
    by_alias: dict[str, str] = {}
    lines = []
    for problem in error.detail:
        loc = [str(part) for part in problem.get("loc", [])]
        msg = str(problem.get("msg", ""))
        alias = loc[2] if loc[:2] == ["body", "answers"] and len(loc) > 2 else None
        if alias is not None:
            by_alias.setdefault(alias, msg)
        # A problem with another field of the form (the comment) names that field.
        named = alias or (loc[1] if len(loc) == 2 and loc[0] == "body" else None)
        lines.append(f"{named}: {msg}" if named else msg)
    marked = [replace(c, error=by_alias.get(c.alias)) for c in found]
    return marked, "; ".join(lines)
