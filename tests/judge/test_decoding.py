"""Request constraints per decoding mode, reply parsing, and the judge's messages."""

from typing import Any

import pytest

from yardstick.judge.answers import (
    AnswerSpec,
    ChoiceAnswer,
    FormAnswer,
    FreeTextAnswer,
    InvalidAnswer,
    NumberAnswer,
    RatingAnswer,
)
from yardstick.judge.decoding import constraint, is_structured, parse_reply, reply_schema
from yardstick.judge.prompts import JUDGE_SYSTEM, choice_messages, correction, question_messages

CHOICES = ChoiceAnswer(["pass", "fail"])
FORM = FormAnswer({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]})


# Constraints --------------------------------------------------------------------------------------


def test_openai_mode_asks_for_a_strict_json_schema_with_an_enum_of_choices() -> None:
    assert constraint("openai", CHOICES, "choice") == {
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "judge_answer",
                "schema": {
                    "type": "object",
                    "properties": {"answer": {"type": "string", "enum": ["pass", "fail"]}},
                    "required": ["answer"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }
    }


def test_vllm_mode_uses_guided_choice_for_choices_and_guided_json_for_verdicts() -> None:
    assert constraint("vllm", CHOICES, "choice") == {"guided_choice": ["pass", "fail"]}
    verdict = constraint("vllm", FreeTextAnswer(5, 10), "verdict")
    assert verdict == {
        "guided_json": {
            "type": "object",
            "properties": {
                "rationale": {"type": "string"},
                "answer": {"type": "string", "minLength": 5, "maxLength": 10},
            },
            "required": ["rationale", "answer"],
            "additionalProperties": False,
        }
    }


def test_none_mode_adds_nothing() -> None:
    assert constraint("none", CHOICES, "choice") == {}
    assert constraint("none", FORM, "verdict") == {}


@pytest.mark.parametrize(
    ("spec", "strict"),
    [
        (RatingAnswer(5, "a", "b"), True),
        (NumberAnswer(0.0, 1.0), True),
        (FreeTextAnswer(None, None), True),
        (FreeTextAnswer(1, None), False),
        (FORM, False),
    ],
)
def test_openai_verdicts_are_strict_only_where_the_schema_says_everything(
    spec: AnswerSpec, strict: bool
) -> None:
    json_schema = constraint("openai", spec, "verdict")["response_format"]["json_schema"]
    assert json_schema["strict"] is strict
    assert json_schema["schema"]["required"] == ["rationale", "answer"]
    assert list(json_schema["schema"]["properties"]) == ["rationale", "answer"]  # reasoning first
    assert json_schema["schema"]["properties"]["answer"] == spec.schema(strict_subset=strict)


def test_form_verdict_schema_embeds_the_form_schema() -> None:
    assert (
        reply_schema(FORM, "verdict", strict_subset=False)["properties"]["answer"]
        == FORM.form_schema
    )


def test_structured_replies() -> None:
    assert is_structured("openai", "choice") and is_structured("none", "verdict")
    assert not is_structured("vllm", "choice") and not is_structured("none", "choice")


# Parsing choice replies ---------------------------------------------------------------------------


def test_choice_reply_is_stripped_then_matched_exactly() -> None:
    assert parse_reply("  pass\n", CHOICES, "choice", structured=False).value == "pass"
    with pytest.raises(InvalidAnswer, match="not one of the choices"):
        parse_reply("Pass", CHOICES, "choice", structured=False)


def test_choice_reply_as_json_only_counts_when_structured_output_was_requested() -> None:
    reply = '{"answer": "fail"}'
    assert parse_reply(reply, CHOICES, "choice", structured=True).value == "fail"
    with pytest.raises(InvalidAnswer, match="not one of the choices"):
        parse_reply(reply, CHOICES, "choice", structured=False)
    with pytest.raises(InvalidAnswer, match="not one of the choices"):
        parse_reply('{"answer": "maybe"}', CHOICES, "choice", structured=True)
    with pytest.raises(InvalidAnswer, match='no "answer" key'):
        parse_reply('{"choice": "fail"}', CHOICES, "choice", structured=True)


@pytest.mark.parametrize("reply", [None, "", "   \n"])
def test_an_empty_reply_is_invalid(reply: str | None) -> None:
    with pytest.raises(InvalidAnswer, match="empty"):
        parse_reply(reply, CHOICES, "choice", structured=True)


# Parsing verdict replies --------------------------------------------------------------------------


def test_verdict_reply_gives_the_typed_answer_and_the_rationale() -> None:
    parsed = parse_reply(
        '{"rationale": "It is mostly right.", "answer": 4}',
        RatingAnswer(5, "a", "b"),
        "verdict",
        structured=True,
    )
    assert (parsed.value, parsed.rationale) == (4, "It is mostly right.")
    form = parse_reply('{"answer": {"ok": true}}', FORM, "verdict", structured=True)
    assert (form.value, form.rationale) == ({"ok": True}, None)


def test_verdict_reply_may_be_fenced_json() -> None:
    reply = '```json\n{"rationale": "short", "answer": 0.5}\n```'
    assert parse_reply(reply, NumberAnswer(0.0, 1.0), "verdict", structured=True).value == 0.5
    assert (
        parse_reply('```{"answer": "pass"}```', CHOICES, "verdict", structured=True).value == "pass"
    )


def test_verdict_accepts_a_bare_answer_for_every_type_but_a_form() -> None:
    assert parse_reply("3", RatingAnswer(3, "a", "b"), "verdict", structured=True).value == 3
    assert parse_reply("0.25", NumberAnswer(None, None), "verdict", structured=True).value == 0.25
    assert parse_reply("fail", CHOICES, "verdict", structured=True).value == "fail"
    assert (
        parse_reply(" plain words ", FreeTextAnswer(None, None), "verdict", structured=True).value
        == "plain words"
    )
    with pytest.raises(InvalidAnswer, match='under "answer"'):
        parse_reply("ok: true", FORM, "verdict", structured=True)


@pytest.mark.parametrize(
    ("reply", "spec", "reason"),
    [
        ('{"rationale": "x", "answer": 9}', RatingAnswer(5, "a", "b"), "outside the scale"),
        ('{"rationale": "x", "answer": "4"}', RatingAnswer(5, "a", "b"), "must be an integer"),
        ('{"rationale": "x"}', RatingAnswer(5, "a", "b"), 'no "answer" key'),
        ('{"rationale": "x", "answer": 4', RatingAnswer(5, "a", "b"), "not valid JSON"),
        ('["answer", 4]', RatingAnswer(5, "a", "b"), "not an integer rating"),
        ('```["answer", 4]```', RatingAnswer(5, "a", "b"), "must be a JSON object"),
        ('{"answer": {"ok": "yes"}}', FORM, "is not of type 'boolean'"),
        ('{"ok": true}', FORM, 'no "answer" key'),
        ('{"answer": "" }', FreeTextAnswer(1, None), "has 0 characters"),
        ('{"answer": 2.0}', NumberAnswer(0.0, 1.0), "out of range"),
    ],
)
def test_verdict_reply_problems_are_named(reply: str, spec: AnswerSpec, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_reply(reply, spec, "verdict", structured=True)


def test_a_non_string_rationale_is_dropped_not_stored() -> None:
    parsed = parse_reply('{"rationale": 5, "answer": "pass"}', CHOICES, "verdict", structured=True)
    assert (parsed.value, parsed.rationale) == ("pass", None)


# Messages -----------------------------------------------------------------------------------------


def test_choice_messages_keep_the_callers_system_prompt_and_append_the_choices() -> None:
    messages = choice_messages(
        "Is the answer right?", CHOICES, system_prompt="Be strict.", mode="none"
    )
    assert messages[0] == {"role": "system", "content": "Be strict."}
    assert messages[1]["role"] == "user"
    content = messages[1]["content"]
    assert content.startswith(
        "Is the answer right?\n\nAnswer with exactly one of the following choices"
    )
    assert "- pass\n- fail" in content
    assert content.endswith("Reply with your choice only: no quotes, no explanation, nothing else.")
    assert len(choice_messages("q", CHOICES, system_prompt=None, mode="none")) == 1


def test_choice_messages_in_openai_mode_ask_for_the_answer_field() -> None:
    content = choice_messages("q", CHOICES, system_prompt=None, mode="openai")[0]["content"]
    assert content.endswith('Reply with a JSON object whose "answer" is your choice.')


@pytest.mark.parametrize(
    ("spec", "what", "json_type"),
    [
        (ChoiceAnswer(["a", "b"]), "exactly one of the following choices", "a JSON string"),
        (
            RatingAnswer(5, "poor", "great"),
            'from 1 to 5, where 1 means "poor" and 5 means "great"',
            "a JSON integer",
        ),
        (NumberAnswer(0.0, 100.0), "a number from 0 to 100 (inclusive)", "a JSON number"),
        (
            FreeTextAnswer(None, 280),
            "a free-text answer of at most 280 characters",
            "a JSON string",
        ),
        (FORM, "a JSON object valid against this JSON Schema", "a JSON object"),
    ],
)
def test_question_messages_for_every_type(spec: AnswerSpec, what: str, json_type: str) -> None:
    messages = question_messages("Response: 42", "Is it correct?", spec, mode="none")
    assert messages[0] == {"role": "system", "content": JUDGE_SYSTEM}
    content: str = messages[1]["content"]
    assert content.startswith("Response: 42\n\nQuestion: Is it correct?\n\nAnswer with ")
    assert what in content
    assert (
        '{"rationale": "<your reasoning, in a few sentences>", "answer": <your answer>}' in content
    )
    assert content.endswith(f'where "answer" is {json_type}.')


def test_correction_quotes_the_wrong_reply_and_repeats_the_format() -> None:
    text = correction("maybe", '"maybe" is not one of the choices', CHOICES, "choice", "none")
    assert text.startswith(
        "Your reply 'maybe' is not a valid answer: \"maybe\" is not one of the choices."
    )
    assert "- pass\n- fail" in text
    long: Any = correction("x" * 1000, "too long", CHOICES, "choice", "none")
    assert "x" * 300 + "…" in long and "x" * 301 not in long
