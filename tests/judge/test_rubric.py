"""The agent judge with a rubric: the per-criterion answer, the prompt, the weighted score; and
the judge end to end against the fake model server."""

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.fixtures.fake_model_server import FakeModels
from tests.judge.test_agent import agent
from tests.judge.test_loop import OPENAI, PLAIN, judge, providers_for
from yardstick.judge.answers import InvalidAnswer
from yardstick.judge.rubric import RubricAnswer, rubric_section, weighted_score
from yardstick.rubric.snapshot import CriterionSnapshot, RubricSnapshot

RUBRIC = RubricSnapshot(
    "rubric-1",
    3,
    (
        CriterionSnapshot("c-a", 1, "Cites a source", {"hint": "a link or a title"}, 2.0),
        CriterionSnapshot("c-b", 4, "Answers the question", None, 1.0),
        CriterionSnapshot("c-c", 2, "Is polite", None, 0.0),
    ),
)
SPEC = RubricAnswer(RUBRIC)


def test_the_answer_is_one_score_per_criterion_from_0_to_1() -> None:
    assert SPEC.check({"criterion_1": 1, "criterion_2": 0.5, "criterion_3": 0}) == {
        "criterion_1": 1.0,
        "criterion_2": 0.5,
        "criterion_3": 0.0,
    }
    assert SPEC.schema(strict_subset=True) == {
        "type": "object",
        "properties": {
            key: {"type": "number", "minimum": 0, "maximum": 1}
            for key in ("criterion_1", "criterion_2", "criterion_3")
        },
        "required": ["criterion_1", "criterion_2", "criterion_3"],
        "additionalProperties": False,
    }


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ([1, 1, 1], "JSON object of scores"),
        ({"criterion_1": 1, "criterion_2": 1}, "no score for criterion_3"),
        ({"criterion_1": 1, "criterion_2": 1, "criterion_3": 1, "x": 1}, 'no criterion "x"'),
        ({"criterion_1": 1.5, "criterion_2": 1, "criterion_3": 1}, "criterion_1 must be"),
        ({"criterion_1": -0.1, "criterion_2": 1, "criterion_3": 1}, "criterion_1 must be"),
        ({"criterion_1": "1", "criterion_2": 1, "criterion_3": 1}, "criterion_1 must be"),
        ({"criterion_1": True, "criterion_2": 1, "criterion_3": 1}, "criterion_1 must be"),
    ],
)
def test_bad_answers_say_what_is_wrong(answer: Any, says: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        SPEC.check(answer)
    assert says in str(caught.value)
    with pytest.raises(InvalidAnswer):
        SPEC.from_text("1")


def test_the_prompt_lists_each_criterion_with_its_weight_and_annotations() -> None:
    section = rubric_section(RUBRIC)
    assert section.startswith("## Rubric\n")
    assert (
        '### criterion_1 (weight 2)\nCites a source\nAnnotations: {"hint":"a link or a title"}'
        in section
    )
    assert "### criterion_2 (weight 1)\nAnswers the question\n\n### criterion_3" in section


def test_the_value_is_the_weighted_mean() -> None:
    value, rows = weighted_score(
        RUBRIC, {"criterion_1": 1.0, "criterion_2": 0.25, "criterion_3": 0.0}
    )
    assert value == pytest.approx((2 * 1.0 + 1 * 0.25 + 0 * 0.0) / 3)
    assert rows[1] == {
        "id": "c-b",
        "version": 4,
        "title": "Answers the question",
        "weight": 1.0,
        "score": 0.25,
    }


def test_weights_near_a_doubles_top_give_the_same_mean() -> None:
    """Two weights of 1e308 summed past a double: the mean was 0, or a NaN stored as null."""
    huge = RubricSnapshot(
        "rubric-2",
        1,
        (
            CriterionSnapshot("c-a", 1, "One", None, 1e308),
            CriterionSnapshot("c-b", 1, "Two", None, 1e308),
        ),
    )
    assert weighted_score(huge, {"criterion_1": 1.0, "criterion_2": 0.5})[0] == 0.75
    assert weighted_score(huge, {"criterion_1": 1.0, "criterion_2": 1.0})[0] == 1.0


# End to end on the fake model server --------------------------------------------------------------


def test_openai_mode_asks_for_the_scores_as_structured_output(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    output = judge(providers_for(fake_models, tmp_path), agent(OPENAI, rubric=RUBRIC))
    assert output.value == 0.0  # the fake decodes each score's minimum
    body = fake_models.last_body()
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["answer"] == SPEC.schema(strict_subset=True)
    assert "### criterion_2 (weight 1)\nAnswers the question" in body["messages"][1]["content"]
    assert output.details is not None
    assert output.details["rubric"] == {"id": "rubric-1", "version": 3}
    assert [row["score"] for row in output.details["criteria_scores"]] == [0.0, 0.0, 0.0]


def test_a_bad_score_is_asked_again(fake_models: FakeModels, tmp_path: Path) -> None:
    good = {"criterion_1": 0.5, "criterion_2": 1, "criterion_3": 1}
    fake_models.control(
        replies_next=[
            orjson.dumps({"rationale": "r", "answer": {**good, "criterion_1": 2}}).decode(),
            orjson.dumps({"rationale": "Half cited.", "answer": good}).decode(),
        ]
    )
    output = judge(providers_for(fake_models, tmp_path), agent(PLAIN, rubric=RUBRIC))
    assert output.value == pytest.approx((2 * 0.5 + 1) / 3)
    assert output.details is not None
    assert output.details["asks"] == 2 and output.details["rationale"] == "Half cited."
    assert output.details["output_type"] == "float"  # whatever the caller passed
    correction = fake_models.last_body()["messages"][-1]["content"]
    assert "the score of criterion_1 must be a number from 0" in correction
