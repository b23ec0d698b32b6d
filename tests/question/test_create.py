"""Questions of every type round-trip through the official client."""

from typing import Any

import pytest
from scale_gp_beta import NotFoundError, SGPClient
from scale_gp_beta.types.question import (
    CategoricalQuestion,
    FormQuestion,
    FreeTextQuestion,
    NumberQuestion,
    RatingQuestion,
)

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"score": {"type": "integer", "minimum": 0}, "why": {"type": "string"}},
    "required": ["score"],
}

CASES: list[tuple[str, dict[str, Any], type, dict[str, Any]]] = [
    ("categorical", {"choices": ["yes", "no"]}, CategoricalQuestion, {"choices": ["yes", "no"]}),
    (
        "rating",
        {"min_label": "bad", "max_label": "good", "steps": 5},
        RatingQuestion,
        {"min_label": "bad", "max_label": "good", "steps": 5},
    ),
    ("number", {"min": 0, "max": 10.5}, NumberQuestion, {"min": 0.0, "max": 10.5}),
    (
        "free_text",
        {"min_length": 1, "max_length": 200},
        FreeTextQuestion,
        {"min_length": 1, "max_length": 200},
    ),
    ("form", {"form_schema": FORM_SCHEMA}, FormQuestion, {"form_schema": FORM_SCHEMA}),
]


@pytest.mark.parametrize(("question_type", "configuration", "model", "stored"), CASES)
def test_create_and_retrieve_each_type(
    client: SGPClient,
    question_type: str,
    configuration: dict[str, Any],
    model: type,
    stored: dict[str, Any],
) -> None:
    created = client.questions.create(
        name=f"q-{question_type}",
        prompt="How was it?",
        question_type=question_type,  # type: ignore[arg-type]
        configuration=configuration,  # type: ignore[arg-type]
    )
    assert isinstance(created, model)
    assert created.object == "question"
    assert created.question_type == question_type
    assert created.name == f"q-{question_type}"
    assert created.prompt == "How was it?"
    assert created.created_by_user_id
    assert created.configuration is not None
    assert created.configuration.model_dump(exclude_none=True) == stored

    fetched = client.questions.retrieve(created.id)
    assert isinstance(fetched, model)
    assert fetched.model_dump() == created.model_dump()


@pytest.mark.parametrize(("question_type", "configuration", "model", "stored"), CASES)
def test_type_is_inferred_from_configuration(
    client: SGPClient,
    question_type: str,
    configuration: dict[str, Any],
    model: type,
    stored: dict[str, Any],
) -> None:
    created = client.questions.create(
        name="inferred",
        prompt="p",
        configuration=configuration,  # type: ignore[arg-type]
    )
    assert isinstance(created, model)
    assert created.question_type == question_type


@pytest.mark.parametrize(
    ("configuration", "question_type"),
    [
        ({"min_label": "lo", "max_label": "hi", "steps": 3}, "rating"),
        ({"max_length": 10}, "free_text"),
        ({"max": 3}, "number"),
    ],
)
def test_inference_from_any_key_of_the_shape(
    client: SGPClient, configuration: dict[str, Any], question_type: str
) -> None:
    created = client.questions.create(name="n", prompt="p", configuration=configuration)  # type: ignore[arg-type]
    assert created.question_type == question_type


@pytest.mark.parametrize(
    ("question_type", "model"), [("number", NumberQuestion), ("free_text", FreeTextQuestion)]
)
def test_configuration_is_optional_for_number_and_free_text(
    client: SGPClient, question_type: str, model: type
) -> None:
    created = client.questions.create(name="n", prompt="p", question_type=question_type)  # type: ignore[call-overload]
    assert isinstance(created, model)
    assert created.question_type == question_type
    assert client.questions.retrieve(created.id).question_type == question_type


def test_unknown_configuration_keys_are_dropped(client: SGPClient) -> None:
    created = client.questions.create(
        name="n",
        prompt="p",
        configuration={"choices": ["a"], "colour": "blue"},  # type: ignore[typeddict-unknown-key]
    )
    raw = client.questions.with_raw_response.retrieve(created.id).http_response.json()
    assert raw["configuration"] == {"choices": ["a"]}
    assert raw["question_type"] == "categorical"
    assert raw["object"] == "question"
    assert raw["created_at"].endswith("Z")


def test_unknown_id_is_404(client: SGPClient) -> None:
    with pytest.raises(NotFoundError):
        client.questions.retrieve("00000000-0000-7000-8000-000000000000")


def test_another_accounts_question_is_404(client: SGPClient, other_client: SGPClient) -> None:
    mine = client.questions.create(name="private", prompt="p", configuration={"choices": ["a"]})
    with pytest.raises(NotFoundError):
        other_client.questions.retrieve(mine.id)
    assert mine.id not in [q.id for q in other_client.questions.list()]
    theirs = other_client.questions.create(
        name="theirs", prompt="p", configuration={"choices": ["b"]}
    )
    with pytest.raises(NotFoundError):
        client.questions.retrieve(theirs.id)
