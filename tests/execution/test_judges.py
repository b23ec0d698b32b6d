"""LLM judges through the official client: guided decoding and question judges, end to end.

The server's providers file adds two vendors on the fake model server: `vllm` (guided_decoding =
"vllm") and `plain` (no constrained decoding); `openai` keeps its default, structured outputs.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from scale_gp_beta import SGPClient

from tests.conftest import BACKENDS, require_backend
from tests.execution.conftest import engine_env
from tests.execution.helpers import MODEL, chat_task, extra, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server, run_server

VLLM, PLAIN = "vllm/fake-chat", "plain/fake-chat"
CHOICES = ["pass", "fail"]


@pytest.fixture(scope="module", params=BACKENDS)
def engine_server(
    request: pytest.FixtureRequest,
    fake_model_server: FakeModels,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    backend: str = request.param
    require_backend(backend)
    tmp = tmp_path_factory.mktemp(f"judges-{backend}")
    providers = tmp / "providers.toml"
    providers.write_text(
        f'[vendors.vllm]\nbase_url = "{fake_model_server.base_url}"\nguided_decoding = "vllm"\n'
        f'[vendors.plain]\nbase_url = "{fake_model_server.base_url}"\n'
    )
    env = engine_env(fake_model_server, YARDSTICK_PROVIDERS_FILE=str(providers))
    yield from run_server(backend, tmp, **env)


def guided_task(alias: str, model: str, prompt: str, **config: Any) -> dict[str, Any]:
    return {
        "task_type": "auto_evaluation.guided_decoding",
        "alias": alias,
        "configuration": {"model": model, "prompt": prompt, "choices": CHOICES, **config},
    }


def question_task(alias: str, model: str, question_id: str, prompt: str) -> dict[str, Any]:
    return {
        "task_type": "auto_evaluation.question",
        "alias": alias,
        "configuration": {"model": model, "prompt": prompt, "question_id": question_id},
    }


def bodies(fake: FakeModels, marker: str) -> list[dict[str, Any]]:
    """The chat bodies whose messages mention `marker`, oldest first."""
    return [
        entry["body"]
        for entry in fake.requests()
        if any(
            marker in str(message.get("content")) for message in entry["body"].get("messages", [])
        )
    ]


# Guided decoding ----------------------------------------------------------------------------------


def test_guided_decoding_uses_each_vendors_constrained_decoding(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    rows: list[dict[str, object]] = [{"input": f"case {i}"} for i in range(6)]
    evaluation = engine_client.evaluations.create(
        name="guided",
        data=rows,
        tasks=[
            chat_task("answer"),
            guided_task(
                "structured",
                MODEL,
                "Is {{item.answer}} a good reply to {{ item.input }}?",
                system_prompt="You grade replies.",
                inference_args={"temperature": 0, "seed": 3},
            ),
            guided_task("vllm", VLLM, "Grade: {{item.answer}}"),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0

    for index, item in enumerate(items_of(engine_client, evaluation.id)):
        assert item.data["structured"] == "pass" and item.data["vllm"] == "pass"
        metadata = extra(item, "task_metadata")
        assert metadata["structured"]["decoding"] == "openai"
        assert metadata["structured"]["replies"] == ['{"answer":"pass"}']
        assert metadata["structured"]["asks"] == 1
        assert metadata["structured"]["usage"]["total_tokens"] > 0
        assert metadata["vllm"]["decoding"] == "vllm" and metadata["vllm"]["replies"] == ["pass"]

        (structured,) = bodies(fake_models, f"Is echo: case {index} a good reply to case {index}?")
        assert structured["messages"][0] == {"role": "system", "content": "You grade replies."}
        assert (structured["temperature"], structured["seed"]) == (0, 3)
        schema = structured["response_format"]["json_schema"]
        assert (
            schema["strict"] is True and schema["schema"]["properties"]["answer"]["enum"] == CHOICES
        )
        (vllm,) = bodies(fake_models, f"Grade: echo: case {index}")
        assert vllm["guided_choice"] == CHOICES and "response_format" not in vllm
    usage = extra(done, "usage")
    assert usage["total_tokens"] > 0


def test_a_wrong_first_answer_is_asked_again(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(
        replies_for={
            "Judge item-0": ["Pass!", "pass"],  # no constrained decoding: wrong, then right
            "Judge item-1": ["fail"],
            # Structured output the vendor did not honour: checked all the same.
            "Check item-0": ['{"answer": "maybe"}', '{"answer": "fail"}'],
        }
    )
    evaluation = engine_client.evaluations.create(
        name="reask",
        data=[{"id": "item-0"}, {"id": "item-1"}],
        tasks=[
            guided_task("verdict", PLAIN, "Judge {{item.id}}"),
            guided_task("structured", MODEL, "Check {{item.id}}"),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0
    first, second = items_of(engine_client, evaluation.id)
    assert (first.data["verdict"], first.data["structured"]) == ("pass", "fail")
    assert (second.data["verdict"], second.data["structured"]) == ("fail", "pass")
    metadata = extra(first, "task_metadata")
    assert metadata["verdict"]["asks"] == 2 and metadata["verdict"]["replies"] == ["Pass!", "pass"]
    assert metadata["structured"]["asks"] == 2
    assert metadata["structured"]["replies"] == ['{"answer": "maybe"}', '{"answer": "fail"}']
    assert extra(second, "task_metadata")["verdict"]["asks"] == 1
    assert extra(second, "task_metadata")["structured"]["asks"] == 1

    ask, reask = bodies(fake_models, "Judge item-0")
    assert reask["messages"][:1] == ask["messages"]
    assert reask["messages"][1] == {"role": "assistant", "content": "Pass!"}
    assert reask["messages"][2]["content"].startswith("Your reply 'Pass!' is not a valid answer")
    ask, reask = bodies(fake_models, "Check item-0")
    assert reask["response_format"] == ask["response_format"]
    assert '"maybe" is not one of the choices' in reask["messages"][-1]["content"]


def test_an_answer_that_never_validates_is_the_cells_error(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(
        replies_for={
            "Judge item-bad": ["maybe", "perhaps", "I cannot say"],
            "Judge item-good": ["pass"],
        }
    )
    evaluation = engine_client.evaluations.create(
        name="never",
        data=[{"id": "item-bad"}, {"id": "item-good"}],
        tasks=[
            guided_task("verdict", PLAIN, "Judge {{item.id}}"),
            chat_task("after", "Verdict was {{item.verdict}}"),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"  # a cell error never fails the run
    assert extra(done, "error_count") == 2  # the bad verdict, and the task chained on it
    bad, good = items_of(engine_client, evaluation.id)
    error = extra(bad, "task_errors")["verdict"]
    assert error["type"] == "InvalidJudgeAnswer"
    assert error["message"].startswith('no valid answer after 3 asks: "I cannot say" is not one of')
    assert error["message"].endswith("last reply: 'I cannot say'")
    assert bad.data["verdict"] is None
    assert extra(bad, "task_errors")["after"]["type"] == "UpstreamTaskError"
    metadata = extra(bad, "task_metadata")["verdict"]
    assert metadata["replies"] == ["maybe", "perhaps", "I cannot say"] and metadata["asks"] == 3
    assert metadata["usage"]["completion_tokens"] == 1 + 1 + 3  # the failed asks still cost tokens
    assert len(bodies(fake_models, "Judge item-bad")) == 3  # 1 ask + 2 re-asks (the default)
    assert (good.data["verdict"], good.data["after"]) == ("pass", "echo: Verdict was pass")


# Question judges ----------------------------------------------------------------------------------

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "correct": {"type": "boolean"},
        "issues": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["correct", "issues"],
    "additionalProperties": False,
}


def make_questions(client: SGPClient) -> dict[str, str]:
    """One question of each type; returns alias → question id."""
    created = {
        "category": client.questions.create(
            name="verdict",
            prompt="Q-category: is it right?",
            question_type="categorical",
            configuration={"choices": ["right", "wrong", "unsure"]},
        ),
        "rating": client.questions.create(
            name="quality",
            prompt="Q-rating: how good is it?",
            question_type="rating",
            configuration={"min_label": "useless", "max_label": "perfect", "steps": 5},
        ),
        "number": client.questions.create(
            name="confidence",
            prompt="Q-number: how sure are you?",
            question_type="number",
            configuration={"min": 0.25, "max": 1.0},
        ),
        "text": client.questions.create(
            name="why",
            prompt="Q-text: what would you change?",
            question_type="free_text",
            configuration={"max_length": 40},
        ),
        "form": client.questions.create(
            name="review",
            prompt="Q-form: fill in the review",
            question_type="form",
            configuration={"form_schema": FORM_SCHEMA},
        ),
    }
    return {alias: question.id for alias, question in created.items()}


def test_question_judges_store_typed_answers_for_every_type(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    questions = make_questions(engine_client)
    evaluation = engine_client.evaluations.create(
        name="questions",
        data=[{"input": "2+2"}, {"input": "3+3"}],
        tasks=[
            chat_task("answer"),
            *(
                question_task(
                    alias, MODEL, question_id, "Question: {{item.input}}\nReply: {{item.answer}}"
                )
                for alias, question_id in questions.items()
            ),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0
    for item in items_of(engine_client, evaluation.id):
        # Structured outputs, decoded by the fake's rule: the smallest valid instance.
        assert item.data["category"] == "right"
        assert item.data["rating"] == 1 and type(item.data["rating"]) is int
        assert item.data["number"] == 0.25 and type(item.data["number"]) is float
        assert item.data["text"] == "fake answer"
        assert item.data["form"] == {"correct": True, "issues": []}
        metadata = extra(item, "task_metadata")
        for alias, question_id in questions.items():
            assert metadata[alias]["question_id"] == question_id
            assert metadata[alias]["decoding"] == "openai"
            assert metadata[alias]["rationale"] == "fake rationale"
        assert metadata["rating"]["question_type"] == "rating"

    (body,) = bodies(fake_models, "Question: 2+2\nReply: echo: 2+2\n\nQuestion: Q-rating")
    assert 'where 1 means "useless" and 5 means "perfect"' in body["messages"][1]["content"]
    assert body["response_format"]["json_schema"]["schema"]["properties"]["answer"] == {
        "type": "integer",
        "enum": [1, 2, 3, 4, 5],
    }


def test_question_judges_without_constrained_decoding_keep_the_rationale(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    questions = make_questions(engine_client)
    fake_models.control(
        replies_for={
            "Q-category": ['{"rationale": "The sum is wrong.", "answer": "wrong"}'],
            "Q-rating": [
                '{"rationale": "Off by one.", "answer": 6}',
                '{"rationale": "Off by one.", "answer": 2}',
            ],
            "Q-number": ["0.9"],
            "Q-text": ['```json\n{"rationale": "Short.", "answer": "Say 4."}\n```'],
            "Q-form": [
                '{"rationale": "r", "answer": {"correct": "no", "issues": []}}',
                '{"rationale": "Missing carry.",'
                ' "answer": {"correct": false, "issues": ["carry"]}}',
            ],
        }
    )
    evaluation = engine_client.evaluations.create(
        name="plain questions",
        data=[{"input": "2+2", "reply": "5"}],
        tasks=[
            question_task(alias, PLAIN, question_id, "{{item.input}} = {{item.reply}}")
            for alias, question_id in questions.items()
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0
    (item,) = items_of(engine_client, evaluation.id)
    assert item.data["category"] == "wrong"
    assert item.data["rating"] == 2
    assert item.data["number"] == 0.9
    assert item.data["text"] == "Say 4."
    assert item.data["form"] == {"correct": False, "issues": ["carry"]}
    metadata = extra(item, "task_metadata")
    assert metadata["category"]["rationale"] == "The sum is wrong."
    assert metadata["number"]["rationale"] is None  # a bare answer carries none
    assert metadata["form"]["rationale"] == "Missing carry."
    assert metadata["rating"]["asks"] == 2 and metadata["form"]["asks"] == 2
    assert (
        metadata["form"]["replies"][0]
        == '{"rationale": "r", "answer": {"correct": "no", "issues": []}}'
    )
    assert {metadata[alias]["decoding"] for alias in questions} == {"none"}
    (_, reask) = bodies(fake_models, "Q-rating")
    assert "the rating 6 is outside the scale 1 to 5" in reask["messages"][-1]["content"]
    assert "response_format" not in reask and "guided_json" not in reask


def test_question_judge_with_vllm_uses_guided_json(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    questions = make_questions(engine_client)
    evaluation = engine_client.evaluations.create(
        name="vllm questions",
        data=[{"input": "x"}],
        tasks=[question_task("text", VLLM, questions["text"], "{{item.input}}")],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    (item,) = items_of(engine_client, evaluation.id)
    assert item.data["text"] == "fake answer"
    (body,) = bodies(fake_models, "Q-text")
    assert body["guided_json"]["properties"]["answer"] == {"type": "string", "maxLength": 40}
    assert extra(item, "task_metadata")["text"]["decoding"] == "vllm"
