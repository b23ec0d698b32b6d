"""The agent judge's answers: coercion to `output_type`, `output_values`, type inference, prompt;
and the judge end to end against the fake model server."""

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.fake_model_server import FakeModels
from tests.judge.test_loop import OPENAI, PLAIN, VLLM, judge, providers_for
from yardstick.judge.agent import AgentAnswer, agent_messages, coerce, infer_output_type, run_agent
from yardstick.judge.answers import InvalidAnswer
from yardstick.judge.decoding import constraint, parse_reply
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput

# Coercion -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output_type", "value", "expected"),
    [
        ("integer", 4, 4),
        ("integer", 4.0, 4),
        ("integer", "4", 4),
        ("integer", " -2 ", -2),
        ("float", 1, 1.0),
        ("float", "0.75", 0.75),
        ("float", 2.5, 2.5),
        ("boolean", True, True),
        ("boolean", "false", False),
        ("boolean", "Yes", True),
        ("boolean", "NO", False),
        ("text", "  fine ", "fine"),
        ("text", 3, "3"),
        ("text", True, "true"),
    ],
)
def test_coercion(output_type: str, value: Any, expected: Any) -> None:
    result = coerce(output_type, value)
    assert result == expected and type(result) is type(expected)


def _deep(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("output_type", "value"),
    [
        ("integer", 4.5),
        ("integer", True),
        ("integer", "four"),
        ("integer", "4.0"),
        ("integer", None),
        ("float", "nan"),
        ("float", False),
        ("float", [1]),
        ("boolean", 1),
        ("boolean", "maybe"),
        ("text", None),
        ("text", {"a": 1}),
        # Past 64 bits (a result cannot store them), and digits `int()` reads but ASCII is not.
        ("integer", "123456789012345678901234567890"),
        ("integer", 1e300),
        ("integer", 2**63),
        ("integer", "9" * 5000),
        ("integer", "\u0663"),
        # Too deep for JSON to write: the message quotes it all the same.
        ("text", _deep(300)),
    ],
)
def test_values_that_are_not_of_the_type(output_type: str, value: Any) -> None:
    with pytest.raises(InvalidAnswer):
        coerce(output_type, value)


def test_a_number_of_any_size_as_text() -> None:
    assert coerce("integer", -(2**63)) == -(2**63)
    assert coerce("text", 10**30) == str(10**30)


# Output type inference ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "values", "expected"),
    [
        (["Score adherence on a 1-5 scale"], None, "integer"),
        (["Give a score from 0 to 10"], None, "integer"),
        (["Answer with an integer"], None, "integer"),
        (["Return true if the answer is correct, false otherwise"], None, "boolean"),
        (["Answer yes/no"], None, "boolean"),
        (["Give a probability such as 0.8"], None, "float"),
        (["Return a decimal score"], None, "float"),
        (["List the violations"], None, "text"),
        (["Explain briefly"], [True, False], "boolean"),
        (["Explain briefly"], [1, 2, 3], "integer"),
        (["Explain briefly"], [0, 0.5, 1], "float"),
        (["Score 1-5"], ["low", "high"], "text"),  # the values decide when there are some
        (["Score 1-5"], [1, "2"], "text"),
    ],
)
def test_output_type_inference(rules: list[str], values: list[Any] | None, expected: str) -> None:
    assert infer_output_type(rules, values) == expected


# The answer spec ----------------------------------------------------------------------------------


def test_an_answer_restricted_to_values() -> None:
    spec = AgentAnswer("integer", [1, 2, 3])
    assert spec.schema(strict_subset=True) == {"type": "integer", "enum": [1, 2, 3]}
    assert spec.check(2) == 2 and spec.check("3") == 3 and spec.check(1.0) == 1
    with pytest.raises(InvalidAnswer, match="4 is not one of the allowed values 1, 2, 3"):
        spec.check(4)
    assert "- 1\n- 2\n- 3" in spec.describe()


def test_text_values_match_after_stripping() -> None:
    spec = AgentAnswer("text", ["pass", "fail"])
    assert spec.schema(strict_subset=True) == {"type": "string", "enum": ["pass", "fail"]}
    assert spec.check(" pass ") == "pass" and spec.from_text("fail") == "fail"
    with pytest.raises(InvalidAnswer):
        spec.check("PASS")


def test_an_open_answer_of_each_type() -> None:
    assert AgentAnswer("float").schema(strict_subset=True) == {"type": "number"}
    assert AgentAnswer("float").check(3) == 3.0
    assert AgentAnswer("boolean").from_text("true") is True
    assert AgentAnswer("text").check("anything at all") == "anything at all"
    assert AgentAnswer("boolean").describe() == "true or false"


def test_a_verdict_reply_is_parsed_and_coerced() -> None:
    spec = AgentAnswer("integer")
    parsed = parse_reply(
        '{"rationale": "Mostly right.", "answer": "4"}', spec, "verdict", structured=True
    )
    assert (parsed.value, parsed.rationale) == (4, "Mostly right.")
    assert parse_reply("5", spec, "verdict", structured=False).value == 5
    with pytest.raises(InvalidAnswer):
        parse_reply('{"rationale": "r", "answer": "high"}', spec, "verdict", structured=True)


def test_the_constraint_is_the_verdict_schema_with_the_typed_answer() -> None:
    body = constraint("openai", AgentAnswer("boolean"), "verdict")
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["answer"] == {"type": "boolean"}
    assert body["response_format"]["json_schema"]["strict"] is True


def test_the_prompt_holds_definition_rules_data_and_focus() -> None:
    messages = agent_messages(
        name="if-check",
        definition="Judge instruction following.",
        output_rules=["Score 1-5", "List violations"],
        data={"prompt": "Write 3 words", "response": {"text": "four words here now"}},
        agent_name="IFAgent",
        spec=AgentAnswer("integer"),
        mode="none",
    )
    system, user = messages[0]["content"], messages[1]["content"]
    assert "instruction following" in system
    assert user.startswith("# Evaluation: if-check\n\nJudge instruction following.")
    assert "## Output rules\n- Score 1-5\n- List violations" in user
    assert "### prompt\nWrite 3 words" in user
    assert '### response\n{"text":"four words here now"}' in user
    assert '"answer" is a JSON integer' in user
    plain = agent_messages(
        name="n",
        definition="d",
        output_rules=["r"],
        data={},
        agent_name="APEAgent",
        spec=AgentAnswer("text"),
        mode="none",
    )
    assert "specialise" not in plain[0]["content"] and "(no fields)" in plain[1]["content"]


# End to end on the fake model server --------------------------------------------------------------


def agent(model: str, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "model": model,
        "name": "quality",
        "definition": "Judge the reply.",
        "output_rules": ["Score 1-5"],
        "data": {"input": "2+2", "reply": "4"},
        "output_type": "integer",
        "output_values": None,
        "agent_name": "APEAgent",
        "temperature": None,
        **overrides,
    }

    async def work(ctx: ExecContext) -> TaskOutput:
        return await run_agent(ctx, **arguments)

    return work


def test_openai_mode_sends_the_typed_verdict_schema_and_temperature(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    output = judge(
        providers_for(fake_models, tmp_path),
        agent(OPENAI, output_values=[3, 4, 5], temperature=0.3),
    )
    assert output.value == 3  # the fake decodes the enum's first value
    body = fake_models.last_body()
    assert body["temperature"] == 0.3
    answer = body["response_format"]["json_schema"]["schema"]["properties"]["answer"]
    assert answer == {"type": "integer", "enum": [3, 4, 5]}
    assert output.details is not None
    assert output.details["rationale"] == "fake rationale"
    assert output.details["agent_name"] == "APEAgent" and output.details["output_type"] == "integer"
    assert output.details["data_fields"] == ["input", "reply"]


def test_vllm_mode_sends_guided_json(fake_models: FakeModels, tmp_path: Path) -> None:
    output = judge(providers_for(fake_models, tmp_path), agent(VLLM, output_type="boolean"))
    assert output.value is True
    assert fake_models.last_body()["guided_json"]["properties"]["answer"] == {"type": "boolean"}


def test_a_wrong_answer_is_asked_again_and_coerced(fake_models: FakeModels, tmp_path: Path) -> None:
    fake_models.control(
        replies_next=[
            '{"rationale": "r", "answer": "very good"}',
            '{"rationale": "Clear and right.", "answer": "5"}',
        ]
    )
    output = judge(providers_for(fake_models, tmp_path), agent(PLAIN))
    assert output.value == 5
    assert output.details is not None and output.details["asks"] == 2
    assert output.details["rationale"] == "Clear and right."
    assert "response_format" not in fake_models.last_body()
    assert '"very good"' in fake_models.last_body()["messages"][-1]["content"]


def test_an_answer_that_never_fits_fails_the_cell(fake_models: FakeModels, tmp_path: Path) -> None:
    fake_models.control(replies_next=["high", "high", "higher"])
    with pytest.raises(TaskFailure) as caught:
        judge(providers_for(fake_models, tmp_path), agent(PLAIN))
    assert caught.value.type == "InvalidJudgeAnswer"
    assert caught.value.details is not None and caught.value.details["asks"] == 3
