"""Bad rubric and criterion bodies over raw HTTP: a 422 naming the field, and nothing written."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.execution.helpers import wait_until_done
from tests.sgp07.helpers import raw, unique

CRITERION_LIMIT = 100


def locs(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [entry["loc"] for entry in response.json()["detail"]]


def make_rubric(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/v5/rubrics", json={"title": unique("Bodies"), **body})
    assert response.status_code == 200, response.text
    rubric: dict[str, Any] = response.json()
    return rubric


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "title"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": "   "}, ["body", "title"]),
        ({"title": 5}, ["body", "title"]),
        ({"title": "t" * 513}, ["body", "title"]),
        ({"title": "t", "tags": "a"}, ["body", "tags"]),
        ({"title": "t", "tags": [""]}, ["body", "tags", 0]),
        ({"title": "t", "criteria": []}, ["body", "criteria"]),
        ({"title": "t", "criteria": {"title": "c"}}, ["body", "criteria"]),
        ({"title": "t", "criteria": [{}]}, ["body", "criteria", 0, "title"]),
        ({"title": "t", "criteria": [{"title": ""}]}, ["body", "criteria", 0, "title"]),
        (
            {"title": "t", "criteria": [{"title": "c"}, {"title": " "}]},
            ["body", "criteria", 1, "title"],
        ),
        (
            {"title": "t", "criteria": [{"title": "c", "weight": "heavy"}]},
            ["body", "criteria", 0, "weight"],
        ),
        (
            {"title": "t", "criteria": [{"title": "c", "weight": "2"}]},
            ["body", "criteria", 0, "weight"],
        ),
        (
            {"title": "t", "criteria": [{"title": "c", "weight": True}]},
            ["body", "criteria", 0, "weight"],
        ),
        (
            {"title": "t", "criteria": [{"title": "c", "weight": -1}]},
            ["body", "criteria", 0, "weight"],
        ),
        (
            {"title": "t", "criteria": [{"title": "c", "annotations": "x"}]},
            ["body", "criteria", 0, "annotations"],
        ),
        (
            {"title": "t", "criteria": [{"title": "c"}] * (CRITERION_LIMIT + 1)},
            ["body", "criteria"],
        ),
    ],
)
def test_bad_creates_name_the_field(http: httpx.Client, body: Any, loc: list[Any]) -> None:
    assert locs(http.post("/v5/rubrics", json=body)) == [loc]


def test_a_body_that_is_not_an_object_is_refused(http: httpx.Client) -> None:
    assert http.post("/v5/rubrics", json=["title"]).status_code == 422
    assert http.post("/v5/rubrics", content=b"{not json").status_code == 422


def test_unknown_fields_are_ignored(http: httpx.Client) -> None:
    rubric = make_rubric(http, colour="red", criteria=[{"title": "c", "colour": "blue"}])
    assert "colour" not in rubric and "colour" not in rubric["criteria"][0]
    assert rubric["criteria"][0]["weight"] == 1.0


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": ""}, ["body", "title"]),
        ({"title": 7}, ["body", "title"]),
        ({"tags": "x"}, ["body", "tags"]),
        ({"restore": False}, ["body", "restore"]),
        ({"restore": "true"}, ["body", "restore"]),
        ({"restore": True, "title": "x"}, ["body", "restore"]),
    ],
)
def test_bad_updates_name_the_field_and_change_nothing(
    http: httpx.Client, body: Any, loc: list[Any]
) -> None:
    rubric = make_rubric(http)
    assert locs(http.patch(f"/v5/rubrics/{rubric['id']}", json=body)) == [loc]
    assert http.get(f"/v5/rubrics/{rubric['id']}").json() == rubric


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "title"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": "c", "weight": "x"}, ["body", "weight"]),
        ({"title": "c", "weight": -0.5}, ["body", "weight"]),
        ({"title": "c", "annotations": ["a"]}, ["body", "annotations"]),
    ],
)
def test_bad_criterion_creates_name_the_field(
    http: httpx.Client, body: Any, loc: list[Any]
) -> None:
    rubric = make_rubric(http)
    assert locs(http.post(f"/v5/rubrics/{rubric['id']}/criteria", json=body)) == [loc]
    assert http.get(f"/v5/rubrics/{rubric['id']}").json()["criteria"] == []


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"title": ""}, ["body", "title"]),
        ({"weight": "x"}, ["body", "weight"]),
        ({"weight": -1}, ["body", "weight"]),
        ({"annotations": 3}, ["body", "annotations"]),
    ],
)
def test_bad_criterion_updates_name_the_field(
    http: httpx.Client, body: Any, loc: list[Any]
) -> None:
    rubric = make_rubric(http, criteria=[{"title": "c"}])
    criterion = rubric["criteria"][0]
    path = f"/v5/rubrics/{rubric['id']}/criteria/{criterion['id']}"
    assert locs(http.patch(path, json=body)) == [loc]
    assert http.get(f"{path}/versions").json()["total"] == 1


def test_a_rubric_holds_at_most_a_hundred_criteria(http: httpx.Client) -> None:
    rubric = make_rubric(http, criteria=[{"title": f"c{n}"} for n in range(CRITERION_LIMIT)])
    assert len(rubric["criteria"]) == CRITERION_LIMIT
    refused = http.post(f"/v5/rubrics/{rubric['id']}/criteria", json={"title": "one more"})
    assert locs(refused) == [["path", "rubric_id"]]


def test_bad_list_queries(http: httpx.Client) -> None:
    assert locs(http.get("/v5/rubrics", params={"limit": 0})) == [["query", "limit"]]
    assert locs(http.get("/v5/rubrics", params={"sort_order": "up"})) == [["query", "sort_order"]]
    unknown = http.get("/v5/rubrics", params={"starting_after": "nope"})
    assert unknown.status_code == 400 and "unknown cursor" in unknown.text


def test_a_validators_message_comes_without_pydantics_prefix(http: httpx.Client) -> None:
    """Read "Value error, must not be blank"."""
    response = http.post("/v5/rubrics", json={"title": "   "})
    assert response.status_code == 422
    assert [e["msg"] for e in response.json()["detail"]] == ["must not be blank"]


def _nested(levels: int) -> Any:
    value: Any = []
    for _ in range(levels):
        value = [value]
    return value


def test_annotations_nested_too_deep_to_pin_are_a_422(
    http: httpx.Client, engine_client: SGPClient
) -> None:
    """Pinned into every task that names the rubric, annotations nested 246 levels made
    `GET /v5/evaluations?views=tasks` a 500 for the whole account."""
    deep = {"x": _nested(70)}
    refused = http.post(
        "/v5/rubrics", json={"title": "r", "criteria": [{"title": "c", "annotations": deep}]}
    )
    assert locs(refused) == [["body", "criteria", 0, "annotations"]]
    assert refused.json()["detail"][0]["msg"] == "nested deeper than 64 levels"
    rubric = make_rubric(http, criteria=[{"title": "c", "annotations": {"x": _nested(60)}}])
    added = http.post(
        f"/v5/rubrics/{rubric['id']}/criteria", json={"title": "d", "annotations": deep}
    )
    assert locs(added) == [["body", "annotations"]]
    with raw(engine_client) as engine:  # a server with a model to judge with
        pinned = make_rubric(engine, criteria=[{"title": "c", "annotations": {"x": _nested(60)}}])
        agent = {
            "task_type": "auto_evaluation.agent",
            "alias": "judge",
            "configuration": {
                "name": "j",
                "definition": "d",
                "output_rules": ["s"],
                "model": "openai/fake-chat",
                "rubric_id": pinned["id"],
            },
        }
        body = {"name": unique(), "data": [{"q": "a"}], "tasks": [agent]}
        created = engine.post("/v5/evaluations", json=body)
        assert created.status_code == 200, created.text
        assert engine.get("/v5/evaluations", params={"views": "tasks"}).status_code == 200
    # Its judge call ends here, not in the next test's count of the shared fake model server.
    wait_until_done(engine_client, created.json()["id"])
