"""Structured output: the `object` reply format per decoding mode, parsing and checking the
object, and the judge end to end against the fake model server."""

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.fake_model_server import FakeModels
from tests.judge.test_loop import OPENAI, PLAIN, VLLM, judge, providers_for
from yardstick.judge.answers import InvalidAnswer
from yardstick.judge.decoding import constraint, is_structured, parse_reply
from yardstick.judge.prompts import choice_messages, correction
from yardstick.judge.structured import StructuredAnswer, structure
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "issues": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["score", "issues"],
    "additionalProperties": False,
}
SPEC = StructuredAnswer(SCHEMA, strict=False)


# Constraint and parsing ---------------------------------------------------------------------------


def test_openai_mode_sends_the_callers_schema_as_is() -> None:
    assert constraint("openai", SPEC, "object", name="grade") == {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "grade", "schema": SCHEMA, "strict": False},
        }
    }
    strict = constraint("openai", StructuredAnswer(SCHEMA, strict=True), "object")
    assert strict["response_format"]["json_schema"]["strict"] is True


def test_vllm_mode_sends_the_schema_as_guided_json_and_none_mode_nothing() -> None:
    assert constraint("vllm", SPEC, "object") == {"guided_json": SCHEMA}
    assert constraint("none", SPEC, "object") == {}
    assert all(is_structured(mode, "object") for mode in ("openai", "vllm", "none"))


@pytest.mark.parametrize(
    "reply",
    [
        '{"score": 4, "issues": []}',
        '  {"score": 4, "issues": []}\n',
        '```json\n{"score": 4, "issues": []}\n```',
    ],
)
def test_an_object_reply_is_the_value(reply: str) -> None:
    assert parse_reply(reply, SPEC, "object", structured=True).value == {"score": 4, "issues": []}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "the reply was empty"),
        ("score: 4", "not valid JSON"),
        ('{"answer": {"score": 4, "issues": []}}', "does not match the response_format schema"),
        ('{"score": 9, "issues": []}', "9 is greater than the maximum of 5"),
        ('{"score": 4}', "'issues' is a required property"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_a_wrong_object_reply_says_why(reply: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_reply(reply, SPEC, "object", structured=True)


def test_the_prompt_shows_the_schema_in_every_mode() -> None:
    for mode in ("openai", "vllm", "none"):
        messages = choice_messages(
            "Grade it.", SPEC, system_prompt="Be strict.", mode=mode, reply_format="object"
        )
        assert messages[0] == {"role": "system", "content": "Be strict."}
        user = messages[1]["content"]
        assert user.startswith(
            "Grade it.\n\nAnswer with a JSON object valid against this JSON Schema:"
        )
        assert '"required":["score","issues"]' in user
        assert user.endswith(
            "Reply with only that JSON object: no code fence, no explanation, nothing else."
        )
    assert "Reply with only that JSON object" in correction("x", "bad", SPEC, "object", "none")


# End to end on the fake model server --------------------------------------------------------------


def structured(model: str, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "model": model,
        "prompt": "Grade: 2+2=4",
        "schema": SCHEMA,
        "schema_name": "grade",
        "strict": False,
        **overrides,
    }

    async def work(ctx: ExecContext) -> TaskOutput:
        return await structure(ctx, **arguments)

    return work


def test_openai_mode_stores_the_decoded_object(fake_models: FakeModels, tmp_path: Path) -> None:
    output = judge(
        providers_for(fake_models, tmp_path),
        structured(OPENAI, inference_args={"temperature": 0, "model": "ignored"}),
    )
    assert output.value == {"score": 1, "issues": []}  # the schema's smallest instance
    body = fake_models.last_body()
    assert body["response_format"]["json_schema"] == {
        "name": "grade",
        "schema": SCHEMA,
        "strict": False,
    }
    assert body["temperature"] == 0 and body["model"] == "fake-chat"
    assert output.details is not None and output.details["decoding"] == "openai"
    assert output.details["replies"] == ['{"score":1,"issues":[]}']


def test_vllm_mode_uses_guided_json(fake_models: FakeModels, tmp_path: Path) -> None:
    output = judge(providers_for(fake_models, tmp_path), structured(VLLM))
    assert output.value == {"score": 1, "issues": []}
    body = fake_models.last_body()
    assert body["guided_json"] == SCHEMA and "response_format" not in body


def test_none_mode_asks_again_until_the_object_matches(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    fake_models.control(
        replies_next=[
            'Sure! {"score": 4}',
            '{"score": 7, "issues": []}',
            '{"score": 4, "issues": ["x"]}',
        ]
    )
    output = judge(providers_for(fake_models, tmp_path), structured(PLAIN))
    assert output.value == {"score": 4, "issues": ["x"]}
    assert output.details is not None and output.details["asks"] == 3
    last = fake_models.last_body()
    assert "response_format" not in last and "guided_json" not in last
    assert "7 is greater than the maximum of 5" in last["messages"][-1]["content"]


def test_an_object_that_never_matches_fails_the_cell(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    fake_models.control(replies_next=["{}", "{}", "{}"])
    with pytest.raises(TaskFailure) as caught:
        judge(providers_for(fake_models, tmp_path), structured(PLAIN))
    assert caught.value.type == "InvalidJudgeAnswer"
    assert "does not match the response_format schema" in caught.value.message
