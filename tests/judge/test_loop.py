"""The judges against the fake model server: decoding modes per vendor, re-asks, failures.

A real `Providers` (read from a providers file) and a real `ExecContext`; the fake model server
stands in for the vendors.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.fixtures.fake_model_server import FakeModels
from tests.provider.helpers import KEY, run, settings, write_toml
from yardstick.judge import judge_service
from yardstick.provider import Providers, ProvidersFileError
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput

T = TypeVar("T")
CHOICES = ["pass", "fail"]
OPENAI, VLLM, PLAIN = "openai/fake-chat", "vllm/fake-chat", "plain/fake-chat"


def providers_for(fake: FakeModels, tmp_path: Path, **overrides: Any) -> Providers:
    text = (
        f'[vendors.vllm]\nbase_url = "{fake.base_url}"\nguided_decoding = "vllm"\n'
        f'[vendors.plain]\nbase_url = "{fake.base_url}"\n'
    )
    return Providers(
        settings(
            providers_file=write_toml(tmp_path / "providers.toml", text),
            openai_base_url=fake.base_url,
            openai_api_key=KEY,
            **overrides,
        )
    )


def context(
    providers: Providers, questions: dict[str, dict[str, Any]] | None = None
) -> ExecContext:
    ctx = ExecContext(providers=providers, account_id="acct", questions=questions or {})
    for model in (OPENAI, VLLM, PLAIN):
        ctx.routes[model] = providers.route(model)
    return ctx


def judge(
    providers: Providers,
    work: Callable[[ExecContext], Awaitable[T]],
    questions: dict[str, dict[str, Any]] | None = None,
) -> T:
    return run(providers, lambda p: work(context(p, questions)))


def choose(providers: Providers, model: str, **kwargs: Any) -> TaskOutput:
    return judge(
        providers,
        lambda ctx: judge_service.choose(
            ctx, model=model, prompt="Is 2+2=4?", choices=CHOICES, **kwargs
        ),
    )


def fails(providers: Providers, work: Callable[[ExecContext], Awaitable[Any]]) -> TaskFailure:
    with pytest.raises(TaskFailure) as caught:
        judge(providers, work)
    return caught.value


# The capability -----------------------------------------------------------------------------------


def test_guided_decoding_defaults_to_openai_for_openai_and_none_elsewhere(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    vendors = providers_for(fake_models, tmp_path).vendors
    assert vendors["openai"].guided_decoding == "openai"
    assert vendors["vllm"].guided_decoding == "vllm"
    assert vendors["plain"].guided_decoding == "none"


def test_the_providers_file_may_turn_openai_structured_outputs_off(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path / "p.toml", '[vendors.openai]\napi_key = "k"\nguided_decoding = "none"\n'
    )
    assert Providers(settings(providers_file=path)).vendors["openai"].guided_decoding == "none"


@pytest.mark.parametrize("value", ['"outlines"', '"OpenAI"', "true", "1"])
def test_an_unknown_guided_decoding_mode_is_refused(tmp_path: Path, value: str) -> None:
    path = write_toml(
        tmp_path / "p.toml", f'[vendors.x]\nbase_url = "http://h/v1"\nguided_decoding = {value}\n'
    )
    with pytest.raises(
        ProvidersFileError, match="guided_decoding must be one of openai, vllm, none"
    ):
        Providers(settings(providers_file=path))


# Guided decoding per mode -------------------------------------------------------------------------


def test_openai_mode_sends_structured_outputs_and_reads_the_answer_field(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    output = choose(providers_for(fake_models, tmp_path), OPENAI)
    assert output.value == "pass"  # the fake decodes the enum's first value
    body = fake_models.last_body()
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["strict"] is True
    assert schema["schema"]["properties"]["answer"]["enum"] == CHOICES
    assert output.details is not None
    assert output.details["decoding"] == "openai"
    assert output.details["asks"] == 1
    assert output.details["replies"] == ['{"answer":"pass"}']
    assert output.prompt_tokens and output.completion_tokens
    assert (
        output.details["usage"]["total_tokens"] == output.prompt_tokens + output.completion_tokens
    )


def test_vllm_mode_sends_guided_choice(fake_models: FakeModels, tmp_path: Path) -> None:
    output = choose(providers_for(fake_models, tmp_path), VLLM)
    assert output.value == "pass"
    body = fake_models.last_body()
    assert body["guided_choice"] == CHOICES and "response_format" not in body
    assert output.details is not None and output.details["decoding"] == "vllm"


def test_none_mode_relies_on_the_instruction_and_the_check(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    fake_models.control(replies_next=["fail"])
    output = choose(providers_for(fake_models, tmp_path), PLAIN, system_prompt="You grade maths.")
    assert output.value == "fail"
    body = fake_models.last_body()
    assert "guided_choice" not in body and "response_format" not in body
    assert body["messages"][0] == {"role": "system", "content": "You grade maths."}
    assert "- pass\n- fail" in body["messages"][1]["content"]
    assert output.details is not None and output.details["decoding"] == "none"


def test_inference_args_pass_through_but_cannot_replace_the_judges_own_keys(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    args = {
        "temperature": 0,
        "seed": 7,
        "max_tokens": 50,
        "model": "other",
        "messages": [],
        "response_format": {"type": "text"},
    }
    output = choose(providers_for(fake_models, tmp_path), OPENAI, inference_args=args)
    assert output.value == "pass"
    body = fake_models.last_body()
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0, 7, 50)
    assert body["model"] == "fake-chat" and len(body["messages"]) == 1
    assert body["response_format"]["type"] == "json_schema"


# Re-asks ------------------------------------------------------------------------------------------


def test_a_wrong_answer_is_corrected_in_the_same_conversation(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    fake_models.control(replies_next=["Pass", '{"answer": "fail"}'])
    output = choose(providers_for(fake_models, tmp_path), OPENAI)
    assert output.value == "fail"
    first, second = (entry["body"] for entry in fake_models.requests())
    assert len(first["messages"]) == 1 and len(second["messages"]) == 3
    assert second["messages"][1] == {"role": "assistant", "content": "Pass"}
    correction = second["messages"][2]
    assert correction["role"] == "user"
    assert correction["content"].startswith(
        "Your reply 'Pass' is not a valid answer: \"Pass\" is not one of the choices"
    )
    assert second["response_format"] == first["response_format"]
    assert output.details is not None
    assert output.details["asks"] == 2 and output.details["replies"] == [
        "Pass",
        '{"answer": "fail"}',
    ]

    # Usage is the sum of both calls (the fake counts words: prompt words, then reply words).
    def words(body: dict[str, Any]) -> int:
        return sum(len(m["content"].split()) for m in body["messages"])

    assert output.prompt_tokens == words(first) + words(second)
    assert output.completion_tokens == 1 + 2
    assert output.attempts == 2


def test_an_answer_that_never_validates_fails_the_cell_with_the_last_reply(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    fake_models.control(replies_next=["maybe", "perhaps", "dunno", "pass"])
    failure = fails(
        providers_for(fake_models, tmp_path),
        lambda ctx: judge_service.choose(ctx, model=PLAIN, prompt="?", choices=CHOICES),
    )
    assert failure.type == "InvalidJudgeAnswer"
    assert failure.message.startswith(
        'no valid answer after 3 asks: "dunno" is not one of the choices'
    )
    assert failure.message.endswith("last reply: 'dunno'")
    assert fake_models.stats()["total"] == 3  # 1 ask + YARDSTICK_JUDGE_MAX_REASKS (2)
    assert failure.details is not None and failure.details["replies"] == [
        "maybe",
        "perhaps",
        "dunno",
    ]
    assert failure.prompt_tokens and failure.completion_tokens == 3 and failure.attempts == 3


def test_the_reask_budget_is_a_setting(fake_models: FakeModels, tmp_path: Path) -> None:
    fake_models.control(replies_next=["maybe", "pass"])
    failure = fails(
        providers_for(fake_models, tmp_path, judge_max_reasks=0),
        lambda ctx: judge_service.choose(ctx, model=PLAIN, prompt="?", choices=CHOICES),
    )
    assert failure.type == "InvalidJudgeAnswer" and "after 1 asks" in failure.message
    assert fake_models.stats()["total"] == 1


def test_a_provider_error_after_a_wrong_reply_keeps_what_was_asked(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    # The second call is refused upstream (a 400 is never retried).
    fake_models.control(replies_next=["maybe", {"status": 400, "message": "bad schema"}])
    failure = fails(
        providers_for(fake_models, tmp_path),
        lambda ctx: judge_service.choose(ctx, model=PLAIN, prompt="?", choices=CHOICES),
    )
    assert failure.type == "UpstreamRejected" and "bad schema" in failure.message
    assert failure.details is not None and failure.details["replies"] == ["maybe"]
    assert failure.completion_tokens == 1 and failure.attempts == 2


def test_a_reply_without_a_choice_after_a_wrong_one_keeps_both_asks(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    """The second answer is a 200 without `choices` (an error body): the cell lost the first
    ask's reply and the tokens of both, which a budget never saw."""
    usage = {"prompt_tokens": 100, "completion_tokens": 50}
    wrong = {"choices": [{"message": {"role": "assistant", "content": "maybe"}}], "usage": usage}
    broken = {"error": {"message": "The server is overloaded"}, "usage": usage}
    fake_models.control(bodies_next=[wrong, broken])
    failure = fails(
        providers_for(fake_models, tmp_path),
        lambda ctx: judge_service.choose(ctx, model=PLAIN, prompt="?", choices=CHOICES),
    )
    assert failure.type == "InvalidResponse"
    assert "The server is overloaded" in failure.message
    assert failure.details is not None and failure.details["replies"] == ["maybe", None]
    assert (failure.prompt_tokens, failure.completion_tokens, failure.attempts) == (200, 100, 2)


# Question judges ----------------------------------------------------------------------------------

QUESTIONS: dict[str, dict[str, Any]] = {
    "q-cat": {
        "name": "c",
        "prompt": "Correct?",
        "question_type": "categorical",
        "configuration": {"choices": ["yes", "no"]},
    },
    "q-rate": {
        "name": "r",
        "prompt": "How good?",
        "question_type": "rating",
        "configuration": {"steps": 5, "min_label": "bad", "max_label": "great"},
    },
    "q-num": {
        "name": "n",
        "prompt": "Score?",
        "question_type": "number",
        "configuration": {"min": 0.5, "max": 1.0},
    },
    "q-text": {
        "name": "t",
        "prompt": "Why?",
        "question_type": "free_text",
        "configuration": {"min_length": 20},
    },
    "q-form": {
        "name": "f",
        "prompt": "Fill in",
        "question_type": "form",
        "configuration": {
            "form_schema": {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}, "note": {"type": "string"}},
                "required": ["ok"],
            }
        },
    },
}


def ask(providers: Providers, model: str, question_id: str) -> TaskOutput:
    return judge(
        providers,
        lambda ctx: judge_service.answer_question(
            ctx, model=model, prompt="Answer: 4", question_id=question_id
        ),
        QUESTIONS,
    )


@pytest.mark.parametrize(
    ("question_id", "value", "strict"),
    [
        ("q-cat", "yes", True),
        ("q-rate", 1, True),
        ("q-num", 0.5, True),
        ("q-text", "fake answer", False),  # the strict-mode schema has no length: the check has
        ("q-form", {"ok": True}, False),
    ],
)
def test_openai_mode_verdicts_per_question_type(
    fake_models: FakeModels, tmp_path: Path, question_id: str, value: Any, strict: bool
) -> None:
    providers = providers_for(fake_models, tmp_path)
    if question_id == "q-text":  # "fake answer" is 11 characters, below min_length 20: re-asked
        fake_models.control(
            replies_next=[
                '{"answer": "fake answer"}',
                '{"rationale": "r", "answer": "long enough, twenty plus"}',
            ]
        )
        value = "long enough, twenty plus"
    output = ask(providers, OPENAI, question_id)
    assert output.value == value and type(output.value) is type(value)
    body = fake_models.last_body()
    assert body["response_format"]["json_schema"]["strict"] is strict
    assert body["messages"][1]["content"].startswith(
        "Answer: 4\n\nQuestion: " + QUESTIONS[question_id]["prompt"]
    )
    assert output.details is not None
    assert output.details["question_id"] == question_id
    assert output.details["question_type"] == QUESTIONS[question_id]["question_type"]


def test_vllm_mode_verdicts_use_guided_json_with_the_full_schema(
    fake_models: FakeModels, tmp_path: Path
) -> None:
    output = ask(providers_for(fake_models, tmp_path), VLLM, "q-text")
    assert output.value == "fake answerxxxxxxxxx"  # the fake honours minLength 20
    schema = fake_models.last_body()["guided_json"]
    assert schema["properties"]["answer"] == {"type": "string", "minLength": 20}
    assert output.details is not None and output.details["rationale"] == "fake rationale"


def test_a_verdicts_rationale_is_kept(fake_models: FakeModels, tmp_path: Path) -> None:
    fake_models.control(replies_next=['{"rationale": "Four is right.", "answer": 5}'])
    output = ask(providers_for(fake_models, tmp_path), PLAIN, "q-rate")
    assert output.value == 5
    assert output.details is not None
    assert output.details["rationale"] == "Four is right."
    assert output.details["replies"] == ['{"rationale": "Four is right.", "answer": 5}']


def test_an_unknown_question_is_a_cell_error(fake_models: FakeModels, tmp_path: Path) -> None:
    failure = fails(
        providers_for(fake_models, tmp_path),
        lambda ctx: judge_service.answer_question(
            ctx, model=OPENAI, prompt="x", question_id="q-missing"
        ),
    )
    assert failure.type == "QuestionNotFound"
    assert fake_models.stats()["total"] == 0
