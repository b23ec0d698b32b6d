"""Bad question bodies are 422s that name the field, through the 0.7.0 client."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import UnprocessableEntityError

from tests.sgp07.helpers import error_locs, unique


@pytest.mark.parametrize(
    ("question", "loc"),
    [
        (
            {"question_type": "categorical", "configuration": {"choices": ["a"], "multi": "yes"}},
            ["body", "configuration", "multi"],
        ),
        (
            {"question_type": "categorical", "configuration": {"choices": ["a"], "dropdown": 1}},
            ["body", "configuration", "dropdown"],
        ),
        (
            {"question_type": "timestamp", "configuration": {"multi": "true"}},
            ["body", "configuration", "multi"],
        ),
        ({"configuration": {"multi": 0}}, ["body", "configuration", "multi"]),
        ({"configuration": {"dropdown": True}}, ["body", "configuration", "choices"]),
        (
            {"question_type": "essay", "configuration": {"choices": ["a"]}},
            ["body", "question_type"],
        ),
        ({"question_type": "number", "conditions": {"x": 1}}, ["body", "conditions"]),
        ({"question_type": "number", "conditions": ["x"]}, ["body", "conditions", 0]),
        ({"question_type": "timestamp", "name": ""}, ["body", "name"]),
    ],
)
def test_bad_create_names_the_field(
    client: SGPClient, question: dict[str, Any], loc: list[Any]
) -> None:
    body = {"name": unique("bad"), "prompt": "p", **question}

    with pytest.raises(UnprocessableEntityError) as caught:
        client.questions.create(question=body)  # type: ignore[arg-type]

    assert loc in error_locs(caught.value)


def test_update_needs_a_non_empty_name(client: SGPClient, http: httpx.Client) -> None:
    created = client.questions.create(
        question={"name": unique(), "prompt": "p", "question_type": "number"}
    )

    with pytest.raises(UnprocessableEntityError) as caught:
        client.questions.update(created.id, name="")
    assert error_locs(caught.value) == [["body", "name"]]
    response = http.patch(f"/v5/questions/{created.id}", json={})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "name"]]


@pytest.mark.parametrize("field", ["prompt", "question_type", "configuration", "conditions"])
def test_update_refuses_what_is_fixed_at_creation(
    client: SGPClient, http: httpx.Client, field: str
) -> None:
    created = client.questions.create(
        question={"name": unique(), "prompt": "p", "configuration": {"choices": ["a"]}}
    )
    value: Any = {"prompt": "other", "question_type": "number", "configuration": {"choices": ["b"]}}
    response = http.patch(
        f"/v5/questions/{created.id}", json={"name": "n", field: value.get(field, [])}
    )

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]
    assert client.questions.retrieve(created.id).model_dump() == created.model_dump()


def test_bad_include_archived_is_a_422(http: httpx.Client) -> None:
    response = http.get("/v5/questions", params={"include_archived": "maybe"})

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "include_archived"]]
