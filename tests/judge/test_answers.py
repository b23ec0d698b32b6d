"""Answer specs per question type: the instruction, the schema, and the exact checks."""

from typing import Any

import pytest

from yardstick.judge.answers import (
    ChoiceAnswer,
    FormAnswer,
    FreeTextAnswer,
    InvalidAnswer,
    NumberAnswer,
    RatingAnswer,
    UnusableSpec,
    spec_for_question,
)

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 0, "maximum": 10},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "contact": {"type": "string", "format": "email"},
    },
    "required": ["score", "tags"],
    "additionalProperties": False,
}


# Categorical ------------------------------------------------------------------------------------


def test_choice_accepts_exactly_a_choice() -> None:
    spec = ChoiceAnswer(["Yes", "No", "Not sure"])
    assert spec.from_text("Yes") == "Yes"
    assert spec.from_text("Not sure") == "Not sure"
    assert spec.check("No") == "No"
    assert spec.schema(strict_subset=True) == {"type": "string", "enum": ["Yes", "No", "Not sure"]}


@pytest.mark.parametrize("reply", ["yes", "YES", "Yes.", '"Yes"', "Yes, because", "Maybe", "Not"])
def test_choice_rejects_anything_but_an_exact_choice(reply: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        ChoiceAnswer(["Yes", "No", "Not sure"]).from_text(reply)
    assert '"Yes", "No", "Not sure"' in str(caught.value)


@pytest.mark.parametrize("value", [1, None, ["Yes"], {"answer": "Yes"}, True])
def test_choice_rejects_non_strings_in_json(value: Any) -> None:
    with pytest.raises(InvalidAnswer, match="as a string"):
        ChoiceAnswer(["Yes", "No"]).check(value)


def test_choice_with_spaces_at_its_ends_matches_its_stripped_form() -> None:
    spec = ChoiceAnswer([" A ", "B"])
    assert spec.from_text("A") == " A "
    assert spec.from_text(" A ") == " A "


def test_choice_instruction_lists_every_choice_verbatim() -> None:
    text = ChoiceAnswer(["good", "bad"]).describe()
    assert "exactly one of the following choices" in text
    assert text.endswith("- good\n- bad")


# Rating -----------------------------------------------------------------------------------------


def test_rating_accepts_integers_on_the_scale_including_both_ends() -> None:
    spec = RatingAnswer(5, "terrible", "excellent")
    assert [spec.check(value) for value in (1, 3, 5)] == [1, 3, 5]
    assert spec.from_text("1") == 1 and spec.from_text("5") == 5 and spec.from_text("+4") == 4
    assert isinstance(spec.check(5), int)


@pytest.mark.parametrize("value", [0, 6, -1, 100])
def test_rating_rejects_values_off_the_scale(value: int) -> None:
    with pytest.raises(InvalidAnswer, match="outside the scale 1 to 5"):
        RatingAnswer(5, "bad", "good").check(value)


@pytest.mark.parametrize("value", [3.0, 2.5, "3", True, None, [3]])
def test_rating_rejects_non_integers_in_json(value: Any) -> None:
    with pytest.raises(InvalidAnswer, match="must be an integer from 1 to 5"):
        RatingAnswer(5, "bad", "good").check(value)


@pytest.mark.parametrize("reply", ["3.0", "three", "3/5", "", "0", "6"])
def test_rating_rejects_bare_replies_that_are_not_a_rating(reply: str) -> None:
    with pytest.raises(InvalidAnswer):
        RatingAnswer(5, "bad", "good").from_text(reply)


def test_rating_instruction_names_the_scale_and_its_labels() -> None:
    text = RatingAnswer(7, "not at all", "completely").describe()
    assert (
        text == 'an integer rating from 1 to 7, where 1 means "not at all" and 7 means "completely"'
    )


def test_rating_schema_is_an_enum_for_short_scales_and_bounds_for_long_ones() -> None:
    assert RatingAnswer(3, "a", "b").schema(strict_subset=True) == {
        "type": "integer",
        "enum": [1, 2, 3],
    }
    assert RatingAnswer(1000, "a", "b").schema(strict_subset=True) == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
    }


# Number -----------------------------------------------------------------------------------------


def test_number_accepts_values_within_inclusive_bounds_as_floats() -> None:
    spec = NumberAnswer(-1.5, 10.0)
    assert spec.check(-1.5) == -1.5 and spec.check(10) == 10.0 and spec.check(0) == 0.0
    assert isinstance(spec.check(10), float)
    assert (
        spec.from_text("2.25") == 2.25
        and spec.from_text("1e1") == 10.0
        and spec.from_text("-1.5") == -1.5
    )


@pytest.mark.parametrize("value", [-1.51, 10.0001, 1e9])
def test_number_rejects_values_out_of_range(value: float) -> None:
    with pytest.raises(InvalidAnswer, match="out of range"):
        NumberAnswer(-1.5, 10.0).check(value)


def test_an_out_of_range_message_writes_huge_numbers_as_a_reader_would() -> None:
    with pytest.raises(InvalidAnswer) as caught:
        NumberAnswer(0.0, 1e20).check(1e308)
    assert str(caught.value).startswith("1e+308 is out of range")
    assert "from 0 to 1e+20 (inclusive)" in str(caught.value)


@pytest.mark.parametrize("value", ["3", True, None, float("nan"), float("inf"), {"n": 1}])
def test_number_rejects_non_numbers(value: Any) -> None:
    with pytest.raises(InvalidAnswer, match="must be a number"):
        NumberAnswer(None, None).check(value)


@pytest.mark.parametrize("reply", ["nan", "inf", "1,5", "1_000", "about 3", "0x10", ""])
def test_number_rejects_bare_replies_that_are_not_plain_numbers(reply: str) -> None:
    with pytest.raises(InvalidAnswer):
        NumberAnswer(None, None).from_text(reply)


def test_number_one_sided_bounds() -> None:
    at_least = NumberAnswer(0.0, None)
    assert at_least.check(1e12) == 1e12
    with pytest.raises(InvalidAnswer, match="at least 0"):
        at_least.check(-0.1)
    at_most = NumberAnswer(None, 1.0)
    assert at_most.check(-1e12) == -1e12
    with pytest.raises(InvalidAnswer, match="at most 1"):
        at_most.check(1.01)


def test_number_instruction_and_schema_carry_the_bounds() -> None:
    assert NumberAnswer(0.0, 1.0).describe() == "a number from 0 to 1 (inclusive)"
    assert NumberAnswer(0.5, None).describe() == "a number of at least 0.5"
    assert NumberAnswer(None, None).describe() == "a number"
    assert NumberAnswer(0.0, 1.0).schema(strict_subset=True) == {
        "type": "number",
        "minimum": 0.0,
        "maximum": 1.0,
    }


# Free text --------------------------------------------------------------------------------------


def test_free_text_counts_characters_after_stripping_and_accepts_both_bounds() -> None:
    spec = FreeTextAnswer(3, 5)
    assert spec.check("  abc \n") == "abc"
    assert spec.check("abcde") == "abcde"
    assert spec.from_text("héllo") == "héllo"


@pytest.mark.parametrize(("text", "length"), [("ab", 2), ("abcdef", 6), ("   ", 0)])
def test_free_text_rejects_lengths_out_of_bounds(text: str, length: int) -> None:
    with pytest.raises(InvalidAnswer, match=f"has {length} characters"):
        FreeTextAnswer(3, 5).check(text)


def test_free_text_rejects_non_strings_and_accepts_anything_unbounded() -> None:
    with pytest.raises(InvalidAnswer, match="must be text"):
        FreeTextAnswer(None, None).check(42)
    assert FreeTextAnswer(None, None).check("") == ""


def test_free_text_lengths_stay_out_of_the_strict_schema() -> None:
    bounded = FreeTextAnswer(10, 200)
    assert bounded.strict is False
    assert bounded.schema(strict_subset=True) == {"type": "string"}
    assert bounded.schema(strict_subset=False) == {
        "type": "string",
        "minLength": 10,
        "maxLength": 200,
    }
    assert FreeTextAnswer(None, None).strict is True
    assert bounded.describe() == "a free-text answer of 10 to 200 characters"
    assert FreeTextAnswer(None, 50).describe() == "a free-text answer of at most 50 characters"


# Form -------------------------------------------------------------------------------------------


def test_form_accepts_an_object_valid_against_the_schema() -> None:
    spec = FormAnswer(FORM_SCHEMA)
    answer = {"score": 7, "tags": ["clear"], "contact": "a@example.com"}
    assert spec.check(answer) == answer
    assert spec.check({"score": 0, "tags": ["x"]}) == {"score": 0, "tags": ["x"]}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"tags": ["x"]}, "'score' is a required property"),
        ({"score": 11, "tags": ["x"]}, "at /score: 11 is greater than the maximum of 10"),
        ({"score": "7", "tags": ["x"]}, "at /score: '7' is not of type 'integer'"),
        ({"score": 1, "tags": []}, "at /tags"),
        ({"score": 1, "tags": ["x"], "extra": 1}, "Additional properties are not allowed"),
        ({"score": 1, "tags": ["x"], "contact": "not an email"}, "is not a 'email'"),
    ],
)
def test_form_rejects_schema_violations_naming_where(answer: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        FormAnswer(FORM_SCHEMA).check(answer)
    assert "does not match the form schema" in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.parametrize("value", [[1], "text", 3, None])
def test_form_answer_must_be_an_object(value: Any) -> None:
    with pytest.raises(InvalidAnswer, match="must be a JSON object"):
        FormAnswer({"type": ["object", "array", "string", "integer", "null"]}).check(value)


def test_form_has_no_bare_answer_and_is_never_strict() -> None:
    spec = FormAnswer(FORM_SCHEMA)
    with pytest.raises(InvalidAnswer, match='under "answer"'):
        spec.from_text("score: 7")
    assert spec.strict is False
    assert spec.schema(strict_subset=True) == FORM_SCHEMA
    assert '"required":["score","tags"]' in spec.describe()


def test_form_lists_at_most_five_errors() -> None:
    schema = {"type": "object", "required": [f"k{i}" for i in range(8)]}
    with pytest.raises(InvalidAnswer) as caught:
        FormAnswer(schema).check({})
    assert "(and 3 more)" in str(caught.value)


def test_form_schema_with_an_unresolvable_ref_is_unusable_not_invalid() -> None:
    spec = FormAnswer({"type": "object", "properties": {"a": {"$ref": "#/definitions/nope"}}})
    with pytest.raises(UnusableSpec, match="form_schema cannot be used"):
        spec.check({"a": 1})


# From a stored question -------------------------------------------------------------------------


def test_spec_for_question_maps_every_type() -> None:
    assert isinstance(spec_for_question("categorical", {"choices": ["a"]}), ChoiceAnswer)
    rating = spec_for_question("rating", {"steps": 4, "min_label": "lo", "max_label": "hi"})
    assert isinstance(rating, RatingAnswer) and rating.steps == 4
    number = spec_for_question("number", {})
    assert isinstance(number, NumberAnswer) and (number.minimum, number.maximum) == (None, None)
    text = spec_for_question("free_text", {"max_length": 9})
    assert isinstance(text, FreeTextAnswer) and text.max_length == 9
    assert isinstance(spec_for_question("form", {"form_schema": FORM_SCHEMA}), FormAnswer)
    with pytest.raises(ValueError):
        spec_for_question("essay", {})
