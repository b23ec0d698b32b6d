"""Answers checked against each question type, without a server: what is stored, and the 422's
`loc` for what is refused."""

from typing import Any

import pytest

from yardstick.annotation.answers import as_submitted, check_answers
from yardstick.annotation.questions import QueueQuestion
from yardstick.errors import Unprocessable
from yardstick.models import Question
from yardstick.rubric.snapshot import CriterionSnapshot, RubricSnapshot

RUBRIC = RubricSnapshot(
    "r",
    1,
    (
        CriterionSnapshot("c1", 1, "cites", None, 3.0),
        CriterionSnapshot("c2", 1, "answers", None, 1.0),
    ),
)


def _question(kind: str, configuration: dict[str, Any], *, required: bool = True) -> QueueQuestion:
    question = Question(
        id="q", name=kind, prompt="?", question_type=kind, configuration=configuration
    )
    return QueueQuestion(alias="a", question=question, required=required, rubric=None)


CASES: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("categorical", {"choices": ["x", "y"]}, "y", "y"),
    ("categorical", {"choices": ["x", "y"], "multi": True}, ["y", "x", "y"], ["x", "y"]),
    ("rating", {"min_label": "lo", "max_label": "hi", "steps": 5}, 5, 5),
    ("number", {"min": 0.0, "max": 10.0}, 2, 2.0),
    ("free_text", {"max_length": 5}, "  hi  ", "hi"),
    ("form", {"form_schema": {"type": "object", "required": ["n"]}}, {"n": 1}, {"n": 1}),
    ("timestamp", {}, "2024-05-01T13:45:00+00:00", "2024-05-01T13:45:00Z"),
    ("timestamp", {"multi": True}, ["2024-05-01T13:45:00z"], ["2024-05-01T13:45:00Z"]),
]
BAD: list[tuple[str, dict[str, Any], Any]] = [
    ("categorical", {"choices": ["x", "y"]}, "z"),
    ("categorical", {"choices": ["x", "y"]}, ["x"]),
    ("categorical", {"choices": ["x", "y"], "multi": True}, []),
    ("rating", {"min_label": "lo", "max_label": "hi", "steps": 5}, 0),
    ("rating", {"min_label": "lo", "max_label": "hi", "steps": 5}, 2.5),
    ("number", {"min": 0.0, "max": 10.0}, 11),
    ("number", {}, True),
    ("free_text", {"max_length": 5}, "too long"),
    ("free_text", {}, 3),
    ("form", {"form_schema": {"type": "object", "required": ["n"]}}, {"m": 1}),
    ("timestamp", {}, "yesterday"),
]


@pytest.mark.parametrize(("kind", "configuration", "given", "stored"), CASES)
def test_each_question_type_stores_its_typed_answer(
    kind: str, configuration: dict[str, Any], given: Any, stored: Any
) -> None:
    (answer,) = check_answers([_question(kind, configuration)], {"a": given}, audit=False)
    assert (answer.alias, answer.value, answer.details) == ("a", stored, None)


@pytest.mark.parametrize(("kind", "configuration", "given"), BAD)
def test_a_wrong_answer_is_a_422_at_its_alias(
    kind: str, configuration: dict[str, Any], given: Any
) -> None:
    with pytest.raises(Unprocessable) as caught:
        check_answers([_question(kind, configuration)], {"a": given}, audit=False)
    assert caught.value.detail[0]["loc"] == ["body", "answers", "a"]


def test_required_optional_and_audits() -> None:
    required = _question("categorical", {"choices": ["x"]})
    optional = _question("categorical", {"choices": ["x"]}, required=False)
    with pytest.raises(Unprocessable):
        check_answers([required], {}, audit=False)
    assert check_answers([optional], {"a": None}, audit=False) == []
    assert check_answers([required], {}, audit=True) == []  # an auditor corrects what they wish


def test_a_rubric_answer_is_the_weighted_score_of_its_criteria() -> None:
    question = QueueQuestion(
        alias="a",
        question=Question(id="q", name="n", prompt="?", question_type="number", configuration={}),
        required=True,
        rubric=RUBRIC,
    )
    (answer,) = check_answers([question], {"a": {"c1": 1, "c2": 0.5}}, audit=False)
    assert answer.value == pytest.approx(3.5 / 4)
    assert answer.details is not None
    assert [(c["id"], c["score"]) for c in answer.details["criteria"]] == [("c1", 1.0), ("c2", 0.5)]
    assert as_submitted(answer.value, answer.details) == {"c1": 1.0, "c2": 0.5}
    with pytest.raises(Unprocessable) as caught:
        check_answers([question], {"a": {"c1": True, "c2": 0}}, audit=False)
    assert caught.value.detail[0]["loc"] == ["body", "answers", "a", "c1"]


def test_a_rubric_answer_with_weights_near_a_doubles_top() -> None:
    """Weights of 1e308 each summed past a double (inf), which made the score 0."""
    huge = RubricSnapshot(
        "r",
        1,
        (
            CriterionSnapshot("c1", 1, "cites", None, 1e308),
            CriterionSnapshot("c2", 1, "answers", None, 1e308),
        ),
    )
    question = QueueQuestion(
        alias="a",
        question=Question(id="q", name="n", prompt="?", question_type="number", configuration={}),
        required=True,
        rubric=huge,
    )
    (answer,) = check_answers([question], {"a": {"c1": 1, "c2": 0.5}}, audit=False)
    assert answer.value == pytest.approx(0.75)
    assert answer.details is not None
    assert [c["weight"] for c in answer.details["criteria"]] == [1e308, 1e308]
