"""Every question type through the 0.7.0 client: each response resolves to its own variant."""

from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta.types import (
    CategoricalQuestion,
    FormQuestion,
    FreeTextQuestion,
    NumberQuestion,
    RatingQuestion,
    TimestampQuestion,
)

from tests.sgp07.helpers import assert_identity, unique

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"score": {"type": "integer"}},
    "required": ["score"],
}
CONDITIONS: list[dict[str, object]] = [
    {"question_id": "q-1", "operator": "equals", "value": "yes"},
    {"any_of": [{"question_id": "q-2", "value": [1, 2]}], "note": None},
]

CASES: list[tuple[str, dict[str, Any] | None, type[Any]]] = [
    ("categorical", {"choices": ["yes", "no"]}, CategoricalQuestion),
    ("rating", {"min_label": "bad", "max_label": "good", "steps": 5}, RatingQuestion),
    ("number", {"min": 0.0, "max": 10.0}, NumberQuestion),
    ("free_text", {"max_length": 200}, FreeTextQuestion),
    ("form", {"form_schema": FORM_SCHEMA}, FormQuestion),
    ("timestamp", {"multi": True}, TimestampQuestion),
]


def _create(client: SGPClient, **fields: Any) -> Any:
    return client.questions.create(question={"name": unique("q"), "prompt": "p", **fields})  # type: ignore[arg-type]


def _assert_resolves(client: SGPClient, question: Any, model: type[Any]) -> None:
    """`isinstance` alone cannot tell a categorical that validated from one the client fell back
    to, so the raw body must also validate against the variant."""
    assert isinstance(question, model)
    raw = client.questions.with_raw_response.retrieve(question.id).http_response.json()
    model.model_validate(raw)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("question_type", "configuration", "model"), CASES)
def test_each_type_resolves_to_its_variant(
    client: SGPClient, question_type: str, configuration: dict[str, Any], model: type[Any]
) -> None:
    created = _create(client, question_type=question_type, configuration=configuration)

    _assert_resolves(client, created, model)
    assert created.question_type == question_type
    assert created.configuration.model_dump(exclude_none=True) == configuration
    assert (created.archived_at, created.conditions) == (None, None)
    assert_identity(created)
    retrieved = client.questions.retrieve(created.id)
    assert isinstance(retrieved, model)
    assert retrieved.model_dump() == created.model_dump()
    [listed] = client.questions.list(ids=[created.id]).items
    assert isinstance(listed, model)


@pytest.mark.parametrize(("question_type", "configuration", "model"), CASES)
def test_conditions_are_stored_and_echoed_as_given(
    client: SGPClient, question_type: str, configuration: dict[str, Any], model: type[Any]
) -> None:
    created = _create(
        client, question_type=question_type, configuration=configuration, conditions=CONDITIONS
    )

    assert isinstance(created, model)
    assert created.conditions == CONDITIONS
    assert client.questions.retrieve(created.id).conditions == CONDITIONS


def test_empty_conditions_stay_an_empty_list(client: SGPClient) -> None:
    created = _create(client, question_type="number", conditions=[])

    assert client.questions.retrieve(created.id).conditions == []


@pytest.mark.parametrize("configuration", [None, {}, {"multi": False}])
def test_timestamp_configuration_is_optional(
    client: SGPClient, configuration: dict[str, Any] | None
) -> None:
    fields: dict[str, Any] = {"question_type": "timestamp"}
    if configuration is not None:
        fields["configuration"] = configuration
    created = _create(client, **fields)

    _assert_resolves(client, created, TimestampQuestion)
    assert created.configuration is not None
    assert created.configuration.model_dump(exclude_none=True) == (configuration or {})


def test_only_multi_infers_timestamp(client: SGPClient) -> None:
    created = _create(client, configuration={"multi": True})

    _assert_resolves(client, created, TimestampQuestion)
    assert created.configuration.multi is True


@pytest.mark.parametrize(
    "configuration",
    [
        {"choices": ["a", "b"], "multi": True},
        {"choices": ["a", "b"], "dropdown": True},
        {"choices": ["a", "b"], "multi": False, "dropdown": True},
    ],
)
def test_choices_still_infer_categorical(client: SGPClient, configuration: dict[str, Any]) -> None:
    created = _create(client, configuration=configuration)

    _assert_resolves(client, created, CategoricalQuestion)
    assert created.configuration.model_dump(exclude_none=True) == configuration


def test_dropdown_and_multi_round_trip(client: SGPClient) -> None:
    configuration = {"choices": ["red", "green", "blue"], "dropdown": True, "multi": True}
    created = _create(client, question_type="categorical", configuration=configuration)

    retrieved = client.questions.retrieve(created.id)
    assert isinstance(retrieved, CategoricalQuestion)
    assert retrieved.configuration.dropdown is True
    assert retrieved.configuration.multi is True
    assert retrieved.configuration.choices == ["red", "green", "blue"]


def test_plain_categorical_has_no_dropdown_or_multi(client: SGPClient) -> None:
    created = _create(client, configuration={"choices": ["a"]})

    raw = client.questions.with_raw_response.retrieve(created.id).http_response.json()
    assert raw["configuration"] == {"choices": ["a"]}
    assert raw["created_by"] == {
        "id": raw["created_by_user_id"],
        "type": "user",
        "object": "identity",
    }
    assert raw["archived_at"] is None
