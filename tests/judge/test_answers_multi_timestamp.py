"""Answer specs of categorical questions with `multi` and of timestamp questions: the
instruction, the schema sent for constrained decoding, and the exact checks."""

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from yardstick.judge.answers import (
    AnswerSpec,
    ChoiceAnswer,
    InvalidAnswer,
    MultiChoiceAnswer,
    TimestampAnswer,
    spec_for_question,
)
from yardstick.judge.decoding import constraint, parse_reply
from yardstick.judge.prompts import question_messages

COLOURS = ["red", "green", "blue"]


# Categorical with multi -------------------------------------------------------------------------


def test_multi_choice_answer_is_the_distinct_choices_in_their_configured_order() -> None:
    spec = MultiChoiceAnswer(COLOURS)
    assert spec.check(["blue", "red"]) == ["red", "blue"]
    assert spec.check(["green"]) == ["green"]
    assert spec.check(["blue", "blue", "green"]) == ["green", "blue"]


def test_multi_choice_schema_is_an_array_of_the_choices_within_strict_mode() -> None:
    spec = MultiChoiceAnswer(COLOURS)
    expected = {
        "type": "array",
        "items": {"type": "string", "enum": COLOURS},
        "minItems": 1,
        "maxItems": 3,
    }
    assert spec.schema(strict_subset=True) == expected
    assert spec.schema(strict_subset=False) == expected
    assert spec.strict is True


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([], "at least one"),
        ("red", "JSON array"),
        ([1], "JSON array"),
        (None, "JSON array"),
        (["red", "purple"], '"purple" is not one of the choices'),
        (["Red"], "not one of the choices"),
    ],
)
def test_multi_choice_rejects_anything_but_a_non_empty_list_of_choices(
    value: Any, reason: str
) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        MultiChoiceAnswer(COLOURS).check(value)


def test_multi_choice_bare_reply_is_a_json_array_or_one_choice_per_line() -> None:
    spec = MultiChoiceAnswer(COLOURS)
    assert spec.from_text('["green", "red"]') == ["red", "green"]
    assert spec.from_text("blue\n\ngreen") == ["green", "blue"]
    assert spec.from_text("red") == ["red"]
    with pytest.raises(InvalidAnswer, match="not a valid JSON array"):
        spec.from_text('["red"')
    with pytest.raises(InvalidAnswer, match="not one of the choices"):
        spec.from_text("red, green")


def test_multi_choice_instruction_lists_every_choice_and_asks_for_an_array() -> None:
    spec = MultiChoiceAnswer(COLOURS)
    assert spec.describe().startswith("one or more of the following choices")
    assert spec.describe().endswith("- red\n- green\n- blue")
    content = question_messages("Material", "Which colours?", spec, mode="none")[1]["content"]
    assert '"answer" is a JSON array of strings, each one of the choices' in content


# Timestamp --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "stored"),
    [
        ("2024-05-01T13:45:00Z", "2024-05-01T13:45:00Z"),
        ("2024-05-01T13:45:00+00:00", "2024-05-01T13:45:00Z"),
        ("2024-05-01t13:45:00z", "2024-05-01T13:45:00Z"),
        ("2024-05-01T13:45:00.250+02:00", "2024-05-01T13:45:00.250000+02:00"),
        ("2024-05-01 13:45", "2024-05-01T13:45:00"),
        ("2024-05-01", "2024-05-01T00:00:00"),
        ("  2024-05-01T13:45:00Z ", "2024-05-01T13:45:00Z"),
    ],
)
def test_timestamp_is_validated_by_fromisoformat_and_normalized(reply: str, stored: str) -> None:
    assert TimestampAnswer(multi=False).check(reply) == stored


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "13:45", "", "2024-05-01T25:00"])
def test_timestamp_rejects_what_is_not_iso_8601(value: str) -> None:
    with pytest.raises(InvalidAnswer, match="is not an ISO 8601 timestamp"):
        TimestampAnswer(multi=False).check(value)


@pytest.mark.parametrize("value", [1714571100, None, ["2024-05-01"], {"at": "2024-05-01"}])
def test_timestamp_must_be_a_string(value: Any) -> None:
    with pytest.raises(InvalidAnswer, match="as a string"):
        TimestampAnswer(multi=False).check(value)


def test_multi_timestamp_is_a_non_empty_list_in_the_order_given() -> None:
    spec = TimestampAnswer(multi=True)
    assert spec.check(["2024-05-02", "2024-05-01T00:00:00+00:00"]) == [
        "2024-05-02T00:00:00",
        "2024-05-01T00:00:00Z",
    ]
    with pytest.raises(InvalidAnswer, match="at least one timestamp"):
        spec.check([])
    with pytest.raises(InvalidAnswer, match="JSON array of ISO 8601"):
        spec.check("2024-05-01")
    with pytest.raises(InvalidAnswer, match='"soon" is not an ISO 8601 timestamp'):
        spec.check(["2024-05-01", "soon"])


def test_timestamp_bare_replies() -> None:
    single, multi = TimestampAnswer(multi=False), TimestampAnswer(multi=True)
    assert single.from_text("2024-05-01T13:45:00Z") == "2024-05-01T13:45:00Z"
    assert single.from_text('"2024-05-01T13:45:00Z"') == "2024-05-01T13:45:00Z"
    assert multi.from_text('["2024-05-01", "2024-05-02"]') == [
        "2024-05-01T00:00:00",
        "2024-05-02T00:00:00",
    ]
    assert multi.from_text("2024-05-01\n2024-05-02") == [
        "2024-05-01T00:00:00",
        "2024-05-02T00:00:00",
    ]
    assert multi.from_text('"2024-05-01"') == ["2024-05-01T00:00:00"]
    with pytest.raises(InvalidAnswer, match="as a string"):
        single.from_text('["2024-05-01"]')


def test_timestamp_schema_asks_for_rfc_3339_date_times() -> None:
    one = {"type": "string", "format": "date-time"}
    assert TimestampAnswer(multi=False).schema(strict_subset=True) == one
    assert TimestampAnswer(multi=True).schema(strict_subset=True) == {
        "type": "array",
        "items": one,
        "minItems": 1,
    }
    assert TimestampAnswer(multi=True).strict is True


def test_timestamp_instruction_names_the_format_and_the_json_type() -> None:
    single, multi = TimestampAnswer(multi=False), TimestampAnswer(multi=True)
    assert "ISO 8601" in single.describe() and "2024-05-01T13:45:00Z" in single.describe()
    assert multi.describe().startswith("one or more")
    assert single.json_type == "a JSON string in ISO 8601 format"
    assert multi.json_type == "a JSON array of ISO 8601 strings"


# The schema and the check agree -----------------------------------------------------------------

SPECS: list[tuple[AnswerSpec, list[Any]]] = [
    (MultiChoiceAnswer(COLOURS), [["red"], ["blue", "green", "red"]]),
    (TimestampAnswer(multi=False), ["2024-05-01T13:45:00Z", "2024-05-01T13:45:00.5-07:00"]),
    (TimestampAnswer(multi=True), [["2024-05-01T13:45:00Z"], ["2024-05-01T00:00:00+01:00"] * 2]),
]


@pytest.mark.parametrize(("spec", "answers"), SPECS)
def test_every_answer_the_schema_admits_passes_the_check(
    spec: AnswerSpec, answers: list[Any]
) -> None:
    for strict_subset in (True, False):
        schema = spec.schema(strict_subset=strict_subset)
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for answer in answers:
            validator.validate(answer)
            spec.check(answer)


@pytest.mark.parametrize(("spec", "answers"), SPECS)
def test_openai_and_vllm_constraints_carry_the_answer_schema(
    spec: AnswerSpec, answers: list[Any]
) -> None:
    openai = constraint("openai", spec, "verdict")["response_format"]["json_schema"]
    assert openai["strict"] is True
    assert openai["schema"]["properties"]["answer"] == spec.schema(strict_subset=True)
    vllm = constraint("vllm", spec, "verdict")["guided_json"]
    assert vllm["properties"]["answer"] == spec.schema(strict_subset=False)


def test_verdict_replies_parse_to_lists_and_timestamps() -> None:
    multi = MultiChoiceAnswer(COLOURS)
    parsed = parse_reply(
        '{"rationale": "both", "answer": ["blue", "red"]}', multi, "verdict", structured=True
    )
    assert (parsed.value, parsed.rationale) == (["red", "blue"], "both")
    assert parse_reply('["green"]', multi, "verdict", structured=False).value == ["green"]
    stamp = parse_reply(
        '{"rationale": "r", "answer": "2024-05-01T13:45:00+00:00"}',
        TimestampAnswer(multi=False),
        "verdict",
        structured=True,
    )
    assert stamp.value == "2024-05-01T13:45:00Z"


# From a stored question -------------------------------------------------------------------------


def test_spec_for_question_picks_the_multi_and_timestamp_specs() -> None:
    assert isinstance(spec_for_question("categorical", {"choices": ["a"]}), ChoiceAnswer)
    plain = spec_for_question("categorical", {"choices": ["a"], "multi": False, "dropdown": True})
    assert isinstance(plain, ChoiceAnswer)
    multi = spec_for_question("categorical", {"choices": ["a", "b"], "multi": True})
    assert isinstance(multi, MultiChoiceAnswer) and multi.choices == ["a", "b"]
    for configuration, is_multi in (
        ({}, False),
        ({"multi": False}, False),
        ({"multi": True}, True),
    ):
        spec = spec_for_question("timestamp", configuration)
        assert isinstance(spec, TimestampAnswer) and spec.multi is is_multi
