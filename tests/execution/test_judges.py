"""LLM judges through the official client: guided decoding and question judges, end to end.

The engine server's providers file (tests/fixtures/engine_server.py) adds two vendors on the
fake model server: `vllm` (guided_decoding = "vllm") and `plain` (no constrained decoding);
`openai` keeps its default, structured outputs.
"""

import time
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError

from tests.execution.helpers import MODEL, chat_task, extra, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server

VLLM, PLAIN = "vllm/fake-chat", "plain/fake-chat"
CHOICES = ["pass", "fail"]


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
                (
                    '{"rationale": "Missing carry.",'
                    ' "answer": {"correct": false, "issues": ["carry"]}}'
                ),
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


# Run conditions, structured output, agent judges, agentex_output (the 0.7 task shapes) ----------

SCORE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string"},
    },
    "required": ["score", "reason"],
    "additionalProperties": False,
}


def var(path: str) -> dict[str, str]:
    return {"op": "var", "path": path}


def statuses(item: Any) -> dict[str, str]:
    result: dict[str, str] = extra(item, "task_result_statuses")
    return result


def test_a_false_run_condition_skips_the_model_call(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    rows: list[dict[str, object]] = [
        {"id": "r0", "score": 5, "lang": "en"},
        {"id": "r1", "score": 2, "lang": "en"},
        {"id": "r2", "lang": "de"},  # no score: the path reads as null
    ]
    evaluation = engine_client.evaluations.create(
        name="conditions",
        data=rows,
        tasks=[
            {
                "task_type": "auto_evaluation.guided_decoding",
                "alias": "structured",
                "configuration": {
                    "model": MODEL,
                    "prompt": "Structured {{item.id}}",
                    "response_format": SCORE_SCHEMA,
                    "run_condition": {"op": "gte", "left": var("item.score"), "right": 3},
                },
            },
            guided_task(
                "verdict",
                MODEL,
                "Verdict {{item.id}}",
                run_condition={"op": "in", "left": var("lang"), "operands": ["en", "fr"]},
            ),
            {
                "task_type": "auto_evaluation.agent",
                "alias": "agent",
                "configuration": {
                    "name": "second-opinion",
                    "definition": "Agent check of {{item.id}}",
                    "output_rules": ["Answer true or false"],
                    "model": MODEL,
                    "data_fields": ["id", "structured"],
                    # A skipped task reads as null, so this skips wherever `structured` did.
                    "run_condition": {"op": "is_not_null", "operands": [var("structured")]},
                },
            },
            chat_task("after", "After {{item.id}}: {{item.structured}}"),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0
    progress = extra(done, "progress")["items"]
    assert (progress["successful"], progress["failed"], progress["pending"]) == (3, 0, 0)

    r0, r1, r2 = items_of(engine_client, evaluation.id)
    assert statuses(r0) == {
        "structured": "completed",
        "verdict": "completed",
        "agent": "completed",
        "after": "completed",
    }
    assert r0.data["structured"] == {"score": 1, "reason": "fake reason"}
    assert r0.data["verdict"] == "pass" and r0.data["agent"] is True
    assert statuses(r1) == {
        "structured": "skipped",
        "verdict": "completed",
        "agent": "skipped",
        "after": "completed",
    }
    assert statuses(r2) == {
        "structured": "skipped",
        "verdict": "skipped",
        "agent": "skipped",
        "after": "completed",
    }
    for item in (r1, r2):
        assert item.data["structured"] is None and item.data["agent"] is None
        assert extra(item, "task_errors") == {}
        assert extra(item, "task_metadata")["structured"]["attempts"] == 0
    assert r2.data["verdict"] is None
    assert r1.data["after"] == "echo: After r1: "  # the skipped result renders as null

    # No model call for a skipped cell.
    assert len(bodies(fake_models, "Structured r0")) == 1
    assert bodies(fake_models, "Structured r1") == bodies(fake_models, "Structured r2") == []
    assert len(bodies(fake_models, "Verdict r1")) == 1 and bodies(fake_models, "Verdict r2") == []
    (agent_call,) = bodies(fake_models, "Agent check of")
    assert "Agent check of r0" in agent_call["messages"][1]["content"]
    assert (
        '### structured\n{"score":1,"reason":"fake reason"}' in agent_call["messages"][1]["content"]
    )


def test_structured_output_per_vendor(engine_client: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(
        replies_for={
            # No constrained decoding: a fenced but wrong object, then a right one.
            "Plain grade": [
                '```json\n{"score": 9, "reason": "r"}\n```',
                '{"score": 4, "reason": "ok"}',
            ],
        }
    )

    def structured(alias: str, model: str, prompt: str, response_format: Any) -> dict[str, Any]:
        return {
            "alias": alias,  # no task_type: inferred from `response_format`
            "configuration": {"model": model, "prompt": prompt, "response_format": response_format},
        }

    wrapper = {
        "type": "json_schema",
        "json_schema": {"name": "grade", "schema": SCORE_SCHEMA, "strict": True},
    }
    evaluation = engine_client.evaluations.create(
        name="structured",
        data=[{"input": "x"}],
        tasks=[
            structured("openai", MODEL, "OpenAI grade {{item.input}}", wrapper),
            structured("vllm", VLLM, "vLLM grade {{item.input}}", SCORE_SCHEMA),
            structured("plain", PLAIN, "Plain grade {{item.input}}", SCORE_SCHEMA),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0
    tasks = engine_client.evaluations.retrieve(evaluation.id, views=["tasks"]).tasks or []
    assert [task.task_type for task in tasks] == ["auto_evaluation.guided_decoding"] * 3

    (item,) = items_of(engine_client, evaluation.id)
    assert item.data["openai"] == item.data["vllm"] == {"score": 1, "reason": "fake reason"}
    assert item.data["plain"] == {"score": 4, "reason": "ok"}
    metadata = extra(item, "task_metadata")
    assert [metadata[a]["decoding"] for a in ("openai", "vllm", "plain")] == [
        "openai",
        "vllm",
        "none",
    ]
    assert metadata["plain"]["asks"] == 2

    (openai,) = bodies(fake_models, "OpenAI grade x")
    assert openai["response_format"] == {
        "type": "json_schema",
        "json_schema": wrapper["json_schema"],
    }
    (vllm,) = bodies(fake_models, "vLLM grade x")
    assert vllm["guided_json"] == SCORE_SCHEMA and "response_format" not in vllm
    first, second = bodies(fake_models, "Plain grade x")
    assert (
        '"required":["score","reason"]' in first["messages"][0]["content"]
    )  # the schema in the prompt
    assert "9 is greater than the maximum of 5" in second["messages"][-1]["content"]


def test_agent_judges(engine_client: SGPClient, fake_models: FakeModels) -> None:
    fake_models.control(
        replies_for={"Plain agent": ['{"rationale": "Follows both rules.", "answer": "5"}']}
    )
    agent_config: dict[str, Any] = {
        "name": "instruction-following",
        "definition": "Plain agent: judge instruction following.",
        "output_rules": ["Score adherence on a 1-5 scale", "List the violations"],
        "data_fields": ["prompt", "answer"],
        "designated_to": {"agent_name": "IFAgent", "config": {"model": PLAIN, "temperature": 0.2}},
    }
    evaluation = engine_client.evaluations.create(
        name="agents",
        data=[{"prompt": "Say hi", "secret": "not shown"}, {"secret": "no prompt here"}],
        tasks=[
            chat_task("answer", "item.secret"),
            {"task_type": "auto_evaluation.agent", "configuration": agent_config},
            {
                # The guided-decoding shape (c): the same agent, on the openai vendor.
                "task_type": "auto_evaluation.guided_decoding",
                "alias": "graded",
                "configuration": {
                    **agent_config,
                    "definition": "OpenAI agent: judge it.",
                    "designated_to": {"config": {"model": MODEL}},
                    "output_values": ["good", "bad"],
                },
            },
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    first, second = items_of(engine_client, evaluation.id)
    assert first.data["auto_evaluation_agent"] == 5  # the default alias
    assert first.data["graded"] == "good"
    metadata = extra(first, "task_metadata")["auto_evaluation_agent"]
    assert metadata["rationale"] == "Follows both rules."
    assert (metadata["agent_name"], metadata["output_type"]) == ("IFAgent", "integer")
    assert extra(first, "task_metadata")["graded"]["output_type"] == "text"
    (plain,) = bodies(fake_models, "Plain agent")
    assert plain["temperature"] == 0.2 and "response_format" not in plain
    assert "instruction following" in plain["messages"][0]["content"]
    user = plain["messages"][1]["content"]
    assert "### prompt\nSay hi" in user and "### answer\necho: not shown" in user
    assert "### secret" not in user  # only the data_fields are shown
    (openai,) = bodies(fake_models, "OpenAI agent")
    answer = openai["response_format"]["json_schema"]["schema"]["properties"]["answer"]
    assert answer == {"type": "string", "enum": ["good", "bad"]}

    # A data field the item lacks fails that cell only, as a locator would.
    errors = extra(second, "task_errors")
    assert errors["auto_evaluation_agent"]["type"] == "ItemLocatorError"
    assert "item.prompt" in errors["auto_evaluation_agent"]["message"]
    assert second.data["answer"] == "echo: no prompt here"


def test_agentex_output_cells_are_unsupported(engine_client: SGPClient) -> None:
    evaluation = engine_client.evaluations.create(
        name="agentex",
        data=[{"input": "a"}, {"input": "b"}],
        tasks=[
            {"configuration": {"agentex_agent_id": "agent-42", "input_column": "item.input"}},
            chat_task("answer"),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 2
    for item in items_of(engine_client, evaluation.id):
        error = extra(item, "task_errors")["agentex_output"]
        assert error["type"] == "UnsupportedTask" and "'agent-42'" in error["message"]
        assert item.data["answer"].startswith("echo: ")


@pytest.mark.parametrize(
    ("configuration", "loc"),
    [
        (
            {
                "model": MODEL,
                "prompt": "p",
                "choices": ["a"],
                "run_condition": {"op": "and", "operands": [{"op": "eq", "left": 1}]},
            },
            ["run_condition", "operands", 0, "right"],
        ),
        (
            {
                "model": MODEL,
                "prompt": "p",
                "response_format": {"type": "object", "properties": {"a": {"type": "nope"}}},
            },
            ["response_format", "properties", "a", "type"],
        ),
        (
            {
                "name": "n",
                "definition": "d",
                "output_rules": ["r"],
                "model": MODEL,
                "rubric_id": "rub-1",
            },
            ["rubric_id"],
        ),
        ({"name": "n", "definition": "d", "output_rules": ["r"]}, ["model"]),
        ({"agentex_agent_id": "a", "input_column": "input"}, ["input_column"]),
    ],
)
def test_bad_07_tasks_are_422s_naming_the_field(
    engine_client: SGPClient, configuration: dict[str, Any], loc: list[Any]
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        engine_client.evaluations.create(
            name="bad", data=[{"input": "x"}], tasks=[{"configuration": configuration}]
        )
    body = caught.value.body
    assert isinstance(body, dict)
    assert [entry["loc"] for entry in body["detail"]] == [
        ["body", "tasks", 0, "configuration", *loc]
    ]


def test_later_tasks_read_a_prefilled_contributor_answer(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    question = engine_client.questions.create(
        name="label",
        prompt="Right?",
        question_type="categorical",
        configuration={"choices": ["yes", "no"]},
    )
    evaluation = engine_client.evaluations.create(
        name="prefilled",
        data=[{"id": "p0", "label": "no"}, {"id": "p1", "label": "yes"}, {"id": "p2"}],
        tasks=[
            {
                "task_type": "contributor_evaluation.question",
                "alias": "review",
                "configuration": {
                    "question_id": question.id,
                    "layout": {"children": [{"data": "item.id"}]},
                    "prefill_from": "label",
                },
            },
            # Judge only the rows a person (or the prefill) marked "no".
            guided_task(
                "recheck",
                MODEL,
                "Recheck {{item.id}} ({{item.review}})",
                run_condition={"op": "eq", "left": var("review"), "right": "no"},
            ),
        ],
    )
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed" and extra(done, "error_count") == 0
    p0, p1, p2 = items_of(engine_client, evaluation.id)
    assert [statuses(item) for item in (p0, p1, p2)] == [
        {"review": "prefilled", "recheck": "completed"},
        {"review": "prefilled", "recheck": "skipped"},
        {"review": "pending", "recheck": "skipped"},  # no answer yet: reads as null
    ]
    (call,) = bodies(fake_models, "Recheck ")
    assert call["messages"][0]["content"].startswith("Recheck p0 (no)")


# Tenant regexes ----------------------------------------------------------------------------------

REDOS = "^(a+)+$"  # exponential on a backtracking regex engine
REDOS_ROWS = 20


def test_a_catastrophic_pattern_in_a_form_cannot_stall_the_server(
    engine_server: Server, engine_client: SGPClient, fake_models: FakeModels
) -> None:
    question = engine_client.questions.create(
        name="code",
        prompt="Q-redos: give the code",
        question_type="form",
        configuration={
            "form_schema": {
                "type": "object",
                "properties": {"code": {"type": "string", "pattern": REDOS}},
                "required": ["code"],
            }
        },
    )
    # 40 `a`s and a `!`: days of backtracking for Python's `re`, per ask, on the event loop.
    evil = '{"answer": {"code": "' + "a" * 40 + '!"}}'
    # 20 rows (each asked up to 3 times), so the check runs long enough to sample /health often.
    fake_models.control(replies_for={"Q-redos": [evil] * 3 * REDOS_ROWS})
    evaluation = engine_client.evaluations.create(
        name="redos",
        data=[{"input": f"x{i}"} for i in range(REDOS_ROWS)],
        tasks=[question_task("code", PLAIN, question.id, "{{item.input}}")],
    )
    # The server answers at once all along, while the judge's answers are being checked.
    samples: list[float] = []
    deadline = time.monotonic() + 60
    while engine_client.evaluations.retrieve(evaluation.id).status == "running":
        assert time.monotonic() < deadline, "the judge's answers were never checked"
        started = time.monotonic()
        assert httpx.get(f"{engine_server.base_url}/health", timeout=10).status_code == 200
        samples.append(time.monotonic() - started)
        time.sleep(0.01)
    # Idle, /health takes ~2 ms; a backtracking match of this answer would hold the loop for
    # days. Typical answers must stay within 100 ms; the slowest may take longer on a loaded CI
    # machine (other suites run beside this one), never as long as a blocked loop would.
    samples.sort()
    assert samples and samples[len(samples) // 2] < 0.1 and samples[-1] < 1.0, samples
    done = wait_until_done(engine_client, evaluation.id)
    assert done.status == "completed"
    items = items_of(engine_client, evaluation.id)
    assert len(items) == REDOS_ROWS
    for item in items:
        error = extra(item, "task_errors")["code"]
        assert error["type"] == "InvalidJudgeAnswer"
        assert f"does not match '{REDOS}'" in error["message"]


def test_a_pattern_that_cannot_run_in_linear_time_is_refused_at_create(
    engine_client: SGPClient,
) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        engine_client.questions.create(
            name="backref",
            prompt="p",
            question_type="form",
            configuration={
                "form_schema": {
                    "type": "object",
                    "properties": {"word": {"type": "string", "pattern": r"^(\w+) \1$"}},
                }
            },
        )
    [problem] = raised.value.body["detail"]  # type: ignore[index]
    assert problem["loc"][-1] == "form_schema"
    assert "at properties/word/pattern" in problem["msg"]
    assert "backreferences and lookarounds are not supported" in problem["msg"]
