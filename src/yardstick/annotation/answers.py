"""Checking one reviewer's answers against the queue's questions.

An answer is checked exactly as an LLM judge's is (yardstick.judge.answers: one of the choices,
several with `multi`, a rating on its scale, a number within bounds, text within its lengths, a
form valid against its schema, an ISO 8601 timestamp) and stored in its typed form. A rubric
question takes `{criterion id: score}` with a score from 0 to 1 for every criterion, the scale
an agent judge scores on, and stores their weighted mean Σ w·s / Σ w, keeping the scores in
the answer's details. Every problem is a 422 at `["body", "answers", alias, …]`.

A required question must be answered; an optional one may be left out or sent as null. An
auditor answers only what they correct, so nothing is required of an audit.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yardstick.annotation.questions import QueueQuestion
from yardstick.errors import Conflict, Unprocessable
from yardstick.judge.answers import InvalidAnswer, UnusableSpec
from yardstick.judge.rubric import RubricAnswer, weighted_score
from yardstick.rubric.snapshot import RubricSnapshot

_LOC = ["body", "answers"]


@dataclass(frozen=True)
class Answer:
    alias: str
    value: Any
    # A rubric answer's per-criterion scores: {"criteria": [{id, version, title, weight, score}]}.
    details: dict[str, Any] | None = None


def _rubric_answer(alias: str, rubric: RubricSnapshot, value: Any) -> Answer:
    loc: list[str | int] = [*_LOC, alias]
    if not isinstance(value, dict):
        raise Unprocessable(loc, "must be an object: {criterion id: score from 0 to 1}")
    ids = [criterion.id for criterion in rubric.criteria]
    unknown = sorted(set(value) - set(ids))
    if unknown:
        raise Unprocessable(
            [*loc, unknown[0]], f"no such criterion in the rubric; its criteria: {', '.join(ids)}"
        )
    judged = RubricAnswer(rubric)  # the agent judge's keys, to score as the judge does
    scores: dict[str, float] = {}
    for criterion, key in zip(rubric.criteria, judged.keys, strict=True):
        score = value.get(criterion.id)
        if (
            not isinstance(score, int | float)
            or isinstance(score, bool)
            or not math.isfinite(score)
            or not 0 <= score <= 1
        ):
            raise Unprocessable(
                [*loc, criterion.id],
                f"criterion {criterion.title!r} needs a score from 0 (not met) to 1 (fully met)",
            )
        scores[key] = float(score)
    # The judge's weighted mean, which keeps weights near a double's top from summing past it.
    weighted, rows = weighted_score(rubric, scores)
    return Answer(alias, weighted, {"criteria": rows})


def check_answers(
    questions: Sequence[QueueQuestion], answers: Mapping[str, Any], *, audit: bool
) -> list[Answer]:
    """The typed answers to store, in question order; a 422 at the first problem."""
    known = {question.alias for question in questions}
    for alias in answers:
        if alias not in known:
            raise Unprocessable(
                [*_LOC, alias],
                f"no question of this queue has alias {alias!r}; its aliases: "
                + ", ".join(sorted(known)),
            )
    checked = []
    for question in questions:
        value = answers.get(question.alias)
        if value is None:
            if question.required and not audit:
                raise Unprocessable(
                    [*_LOC, question.alias], "an answer is required (the question is required)"
                )
            continue
        if question.rubric is not None:
            checked.append(_rubric_answer(question.alias, question.rubric, value))
            continue
        try:
            checked.append(Answer(question.alias, question.spec().check(value)))
        except InvalidAnswer as exc:
            raise Unprocessable([*_LOC, question.alias], str(exc)) from exc
        except UnusableSpec as exc:
            raise Conflict(str(exc)) from exc
    return checked


def as_submitted(value: Any, details: dict[str, Any] | None) -> Any:
    """An answer as its reviewer sent it (a rubric's scores by criterion), so that sending it
    again is valid."""
    if details and isinstance(details.get("criteria"), list):
        return {row["id"]: row["score"] for row in details["criteria"]}
    return value
