"""An agent judge with a rubric: one score per criterion, then their weighted mean.

The judge is shown each criterion (its title, annotations and weight) under a key
`criterion_1` … `criterion_n` (titles can repeat or run long, so they make poor keys) and
answers with a verdict whose `answer` is `{"criterion_1": <score>, …}`: every key, nothing else,
each score a number from 0 (not met at all) to 1 (fully met). Asked as structured output where
the vendor supports it, and always checked here like any other answer.

The cell's value is Σ weight·score / Σ weight (the pinned weights sum to more than 0, checked
when the task was created); each criterion's score, with its id, version, title and weight,
goes into the cell's details.
"""

import math
from typing import Any

import orjson

from yardstick.judge.answers import AnswerSpec, InvalidAnswer, show
from yardstick.rubric.snapshot import RubricSnapshot

SCALE = "a number from 0 (the criterion is not met at all) to 1 (it is fully met)"


def _key(index: int) -> str:
    return f"criterion_{index + 1}"


def _show(value: Any) -> str:
    return orjson.dumps(value).decode()


def _weight(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


class RubricAnswer(AnswerSpec):
    """A score in [0, 1] for every criterion of the rubric, keyed `criterion_<n>`."""

    kind = "rubric"
    json_type = "a JSON object"

    def __init__(self, rubric: RubricSnapshot) -> None:
        self.rubric = rubric
        self.keys = [_key(index) for index in range(len(rubric.criteria))]

    def describe(self) -> str:
        return (
            f"a score for each criterion of the rubric: a JSON object with exactly the keys "
            f"{', '.join(self.keys)}, each score {SCALE}"
        )

    def schema(self, *, strict_subset: bool) -> dict[str, Any]:
        score = {"type": "number", "minimum": 0, "maximum": 1}
        return {
            "type": "object",
            "properties": {key: score for key in self.keys},
            "required": list(self.keys),
            "additionalProperties": False,
        }

    def check(self, value: Any) -> dict[str, float]:
        if not isinstance(value, dict):
            raise InvalidAnswer(
                f"the answer must be a JSON object of scores by criterion, not {show(value)}"
            )
        missing = [key for key in self.keys if key not in value]
        if missing:
            raise InvalidAnswer(f"the answer has no score for {', '.join(missing)}")
        unknown = sorted(set(value) - set(self.keys))
        if unknown:
            raise InvalidAnswer(
                f"the rubric has no criterion {', '.join(map(show, unknown))}; "
                f"score exactly {', '.join(self.keys)}"
            )
        scores: dict[str, float] = {}
        for key in self.keys:
            score = value[key]
            if (
                not isinstance(score, int | float)
                or isinstance(score, bool)
                or not math.isfinite(score)
                or not 0 <= score <= 1
            ):
                raise InvalidAnswer(f"the score of {key} must be {SCALE}, not {show(score)}")
            scores[key] = float(score)
        return scores

    def from_text(self, text: str) -> Any:
        raise InvalidAnswer('the reply must be a JSON object with the scores under "answer"')


def rubric_section(rubric: RubricSnapshot) -> str:
    """The prompt's part that lists the criteria, after the output rules."""
    intro = (
        "## Rubric\n"
        f"Score the data against each criterion below: {SCALE}; a score in between says how "
        "far it is met. The weights say how much each criterion counts in the final score."
    )
    parts = [intro]
    for index, criterion in enumerate(rubric.criteria):
        text = f"### {_key(index)} (weight {_weight(criterion.weight)})\n{criterion.title}"
        if criterion.annotations:
            text += f"\nAnnotations: {_show(criterion.annotations)}"
        parts.append(text)
    return "\n\n".join(parts)


def weighted_score(
    rubric: RubricSnapshot, scores: dict[str, float]
) -> tuple[float, list[dict[str, Any]]]:
    """The cell's value and the per-criterion scores kept in its details."""
    rows = [
        {
            "id": criterion.id,
            "version": criterion.version,
            "title": criterion.title,
            "weight": criterion.weight,
            "score": scores[_key(index)],
        }
        for index, criterion in enumerate(rubric.criteria)
    ]
    # Weights relative to the largest: the mean is the same, and weights near a double's top
    # (1e308 each) no longer sum past it (inf, which made the mean 0 or NaN).
    top = max(criterion.weight for criterion in rubric.criteria)
    weights = [criterion.weight / top for criterion in rubric.criteria]
    value = sum(w * scores[_key(index)] for index, w in enumerate(weights)) / sum(weights)
    return value, rows
