"""Invalid questions are 422s that name the field at fault."""

from typing import Any, cast

import httpx
import pytest
from scale_gp_beta import APIStatusError, SGPClient, UnprocessableEntityError


def error_locs(error: APIStatusError) -> list[list[str | int]]:
    body = cast(dict[str, Any], error.body)
    return [entry["loc"] for entry in body["detail"]]


@pytest.mark.parametrize(
    ("question_type", "configuration", "loc"),
    [
        ("categorical", {"choices": []}, ["body", "configuration", "choices"]),
        ("categorical", {"choices": ["a", "a"]}, ["body", "configuration", "choices"]),
        ("categorical", {"choices": [""]}, ["body", "configuration", "choices", 0]),
        ("categorical", {}, ["body", "configuration", "choices"]),
        (
            "rating",
            {"min_label": "a", "max_label": "b", "steps": 1},
            ["body", "configuration", "steps"],
        ),
        (
            "rating",
            {"min_label": "a", "max_label": "b", "steps": 2.5},
            ["body", "configuration", "steps"],
        ),
        ("rating", {"max_label": "b", "steps": 5}, ["body", "configuration", "min_label"]),
        ("rating", {"min_label": "a", "steps": 5}, ["body", "configuration", "max_label"]),
        ("rating", {"min_label": "a", "max_label": "b"}, ["body", "configuration", "steps"]),
        ("number", {"min": 5, "max": 1}, ["body", "configuration", "max"]),
        ("number", {"min": "zero"}, ["body", "configuration", "min"]),
        ("free_text", {"min_length": 10, "max_length": 2}, ["body", "configuration", "max_length"]),
        ("free_text", {"min_length": -1}, ["body", "configuration", "min_length"]),
        ("free_text", {"max_length": -5}, ["body", "configuration", "max_length"]),
        (
            "form",
            {"form_schema": {"type": "no-such-type"}},
            ["body", "configuration", "form_schema"],
        ),
        (
            "form",
            {"form_schema": {"properties": {"a": {"minimum": "ten"}}}},
            ["body", "configuration", "form_schema"],
        ),
        ("form", {"form_schema": "not an object"}, ["body", "configuration", "form_schema"]),
        ("form", {}, ["body", "configuration", "form_schema"]),
    ],
)
def test_invalid_configuration_names_the_field(
    client: SGPClient, question_type: str, configuration: dict[str, Any], loc: list[str | int]
) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.questions.create(
            name="bad",
            prompt="p",
            question_type=question_type,  # type: ignore[arg-type]
            configuration=configuration,  # type: ignore[arg-type]
        )
    assert loc in error_locs(caught.value)


@pytest.mark.parametrize("question_type", ["categorical", "rating", "form"])
def test_required_configuration_missing(client: SGPClient, question_type: str) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.questions.create(name="bad", prompt="p", question_type=question_type)  # type: ignore[call-overload]
    assert error_locs(caught.value) == [["body", "configuration"]]


@pytest.mark.parametrize("configuration", [None, {}, {"colour": "blue"}])
def test_type_that_cannot_be_inferred(
    http: httpx.Client, configuration: dict[str, Any] | None
) -> None:
    body: dict[str, Any] = {"name": "n", "prompt": "p"}
    if configuration is not None:
        body["configuration"] = configuration
    response = http.post("/v5/questions", json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "question_type"]]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"prompt": "p", "configuration": {"choices": ["a"]}}, ["body", "name"]),
        ({"name": "", "prompt": "p", "configuration": {"choices": ["a"]}}, ["body", "name"]),
        ({"name": "n", "configuration": {"choices": ["a"]}}, ["body", "prompt"]),
        ({"name": "n", "prompt": "p", "question_type": "essay"}, ["body", "question_type"]),
        ({"name": "n", "prompt": "p", "configuration": ["a"]}, ["body", "configuration"]),
    ],
)
def test_invalid_body_names_the_field(
    http: httpx.Client, body: dict[str, Any], loc: list[str]
) -> None:
    response = http.post("/v5/questions", json=body)
    assert response.status_code == 422
    assert loc in [e["loc"] for e in response.json()["detail"]]


def test_nothing_is_created_by_an_invalid_request(client: SGPClient) -> None:
    before = client.questions.list(limit=1).total
    with pytest.raises(UnprocessableEntityError):
        client.questions.create(name="bad", prompt="p", configuration={"choices": []})
    assert client.questions.list(limit=1).total == before
