"""`auto_evaluation.question` judges on the new answer kinds, end to end on the fake models:
categorical with `multi` stores a list of choices, timestamp stores normalized ISO 8601."""

import time
from typing import Any

from scale_gp_beta import SGPClient

from tests.fixtures.fake_model_server import FakeModels
from tests.sgp07.helpers import unique

MODEL = "openai/fake-chat"


def _question(client: SGPClient, marker: str, **fields: Any) -> str:
    body = {"name": unique("q"), "prompt": marker, **fields}
    return client.questions.create(question=body).id  # type: ignore[arg-type]


def _task(alias: str, question_id: str) -> dict[str, Any]:
    return {
        "task_type": "auto_evaluation.question",
        "alias": alias,
        "configuration": {"model": MODEL, "prompt": "{{item.input}}", "question_id": question_id},
    }


def _schema_sent(fake: FakeModels, marker: str) -> dict[str, Any]:
    [body] = [
        entry["body"]
        for entry in fake.requests()
        if any(marker in str(m.get("content")) for m in entry["body"].get("messages", []))
    ]
    json_schema: dict[str, Any] = body["response_format"]["json_schema"]
    assert json_schema["strict"] is True
    return dict(json_schema["schema"]["properties"]["answer"])


def test_multi_choice_and_timestamp_answers_are_stored_typed(
    engine_client: SGPClient, fake_models: FakeModels
) -> None:
    questions = {
        "colours": _question(
            engine_client,
            "Q-colours",
            question_type="categorical",
            configuration={"choices": ["red", "green"], "multi": True},
        ),
        "when": _question(engine_client, "Q-one-time", question_type="timestamp"),
        "whens": _question(
            engine_client, "Q-many-times", question_type="timestamp", configuration={"multi": True}
        ),
    }
    fake_models.control(
        replies_for={
            "Q-one-time": ['{"rationale": "r", "answer": "2024-05-01T13:45:00+00:00"}'],
            "Q-many-times": [
                '{"rationale": "r", "answer": ["2024-05-01", "2024-05-02T08:00:00+02:00"]}'
            ],
        }
    )
    evaluation = engine_client.evaluations.create(
        evaluation={
            "name": unique(),
            "data": [{"input": "material"}],
            "tasks": [_task(alias, question_id) for alias, question_id in questions.items()],  # type: ignore[misc]
        }
    )

    deadline = time.monotonic() + 120
    while engine_client.evaluations.retrieve(evaluation.id).status == "running":
        assert time.monotonic() < deadline, "evaluation still running"
        time.sleep(0.1)

    done = engine_client.evaluations.retrieve(evaluation.id)
    assert (done.status, done.error_count) == ("completed", 0)
    [item] = engine_client.evaluation_items.list(evaluation_id=evaluation.id)
    # The fake model answers the multi question with the smallest instance of the schema.
    assert item.data["colours"] == ["red"]
    assert item.data["when"] == "2024-05-01T13:45:00Z"
    assert item.data["whens"] == ["2024-05-01T00:00:00", "2024-05-02T08:00:00+02:00"]
    assert _schema_sent(fake_models, "Q-colours") == {
        "type": "array",
        "items": {"type": "string", "enum": ["red", "green"]},
        "minItems": 1,
        "maxItems": 2,
    }
    assert _schema_sent(fake_models, "Q-one-time") == {"type": "string", "format": "date-time"}
    assert _schema_sent(fake_models, "Q-many-times")["items"] == {
        "type": "string",
        "format": "date-time",
    }
