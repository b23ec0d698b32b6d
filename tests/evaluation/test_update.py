"""PATCH /v5/evaluations/{id}: partial update of name, description, tags."""

import httpx
import pytest
from scale_gp_beta import ConflictError, NotFoundError, SGPClient, UnprocessableEntityError

from tests.evaluation.helpers import error_locs, make_evaluation, unique


def test_update_changes_only_what_is_given(client: SGPClient) -> None:
    evaluation = client.evaluations.create(
        name="before", description="d", tags=["a", "b"], data=[{"i": 0}]
    )

    renamed = client.evaluations.update(evaluation.id, name="after")

    assert (renamed.name, renamed.description, renamed.tags) == ("after", "d", ["a", "b"])
    described = client.evaluations.update(evaluation.id, description="new")
    assert (described.name, described.description, described.tags) == ("after", "new", ["a", "b"])
    retagged = client.evaluations.update(evaluation.id, tags=["c"])
    assert (retagged.name, retagged.description, retagged.tags) == ("after", "new", ["c"])
    assert client.evaluations.retrieve(evaluation.id).to_dict() == retagged.to_dict()


def test_update_leaves_everything_else_alone(client: SGPClient) -> None:
    evaluation = make_evaluation(client)

    updated = client.evaluations.update(evaluation.id, name="x", description="y", tags=[])

    assert updated.model_dump(
        exclude={"name", "description", "tags", "tasks"}
    ) == evaluation.model_dump(exclude={"name", "description", "tags", "tasks"})
    assert (updated.name, updated.description, updated.tags) == ("x", "y", [])


def test_null_name_is_ignored_and_null_description_clears(
    client: SGPClient, http: httpx.Client
) -> None:
    evaluation = client.evaluations.create(
        name="keep", description="d", tags=["t"], data=[{"i": 0}]
    )

    body = http.patch(
        f"/v5/evaluations/{evaluation.id}", json={"name": None, "tags": None, "description": None}
    ).json()

    assert (body["name"], body["tags"], body["description"]) == ("keep", ["t"], None)


def test_empty_body_changes_nothing(client: SGPClient, http: httpx.Client) -> None:
    evaluation = make_evaluation(client)

    response = http.patch(f"/v5/evaluations/{evaluation.id}", json={})

    assert response.status_code == 200
    assert client.evaluations.retrieve(evaluation.id).model_dump(
        exclude={"tasks"}
    ) == evaluation.model_dump(exclude={"tasks"})


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": ""}, ["body", "name"]),
        ({"name": 7}, ["body", "name"]),
        ({"tags": "a"}, ["body", "tags"]),
        ({"tags": ["a", 1]}, ["body", "tags", 1]),
    ],
)
def test_bad_update_is_422_and_changes_nothing(
    client: SGPClient, body: dict[str, object], loc: list[str | int]
) -> None:
    evaluation = make_evaluation(client)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.patch(f"/v5/evaluations/{evaluation.id}", body=body, cast_to=object)

    assert error_locs(caught.value) == [loc]
    assert client.evaluations.retrieve(evaluation.id).model_dump(
        exclude={"tasks"}
    ) == evaluation.model_dump(exclude={"tasks"})


def test_update_of_archived_is_409_and_of_unknown_404(client: SGPClient) -> None:
    evaluation = make_evaluation(client)
    client.evaluations.delete(evaluation.id)

    with pytest.raises(ConflictError) as caught:
        client.evaluations.update(evaluation.id, name="x")
    assert caught.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(NotFoundError):
        client.evaluations.update("00000000-0000-7000-8000-000000000000", name="x")
    assert client.evaluations.retrieve(evaluation.id, include_archived=True).name == evaluation.name


def test_renamed_evaluation_is_found_by_its_new_name(client: SGPClient) -> None:
    evaluation = make_evaluation(client)
    name = unique("name")

    client.evaluations.update(evaluation.id, name=name)

    assert [e.id for e in client.evaluations.list(name=name)] == [evaluation.id]
    assert [e.id for e in client.evaluations.list(name=evaluation.name)] == []
