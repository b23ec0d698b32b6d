"""Rename, archive and restore through the 0.7.0 client, and the list filters they affect."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import ConflictError, NotFoundError
from scale_gp_beta.types import CategoricalQuestion, TimestampQuestion

from tests.sgp07.helpers import assert_final_conflict, unique

MISSING = "00000000-0000-7000-8000-000000000000"


def _create(client: SGPClient, **fields: Any) -> Any:
    body = {"name": unique("q"), "prompt": "p", "configuration": {"choices": ["a", "b"]}, **fields}
    return client.questions.create(question=body)  # type: ignore[arg-type]


def test_update_renames_and_changes_nothing_else(client: SGPClient) -> None:
    created = _create(
        client, configuration={"choices": ["a"], "multi": True}, conditions=[{"x": 1}]
    )

    updated = client.questions.update(created.id, name="renamed")

    assert isinstance(updated, CategoricalQuestion)
    assert updated.name == "renamed"
    assert updated.model_dump(exclude={"name"}) == created.model_dump(exclude={"name"})
    assert client.questions.retrieve(created.id).name == "renamed"


def test_archive_is_a_soft_delete_and_idempotent(client: SGPClient) -> None:
    created = _create(client, question_type="timestamp", configuration={"multi": True})

    archived = client.questions.archive(created.id)

    assert isinstance(archived, TimestampQuestion)
    assert archived.archived_at is not None
    again = client.questions.archive(created.id)
    assert again.archived_at == archived.archived_at
    retrieved = client.questions.retrieve(created.id)
    assert isinstance(retrieved, TimestampQuestion)
    assert retrieved.archived_at == archived.archived_at
    assert retrieved.configuration is not None and retrieved.configuration.multi is True


def test_archived_questions_are_listed_only_on_request(client: SGPClient) -> None:
    live, gone = _create(client), _create(client)
    client.questions.archive(gone.id)

    default = [q.id for q in client.questions.list(ids=[live.id, gone.id])]
    assert default == [live.id]
    every = list(client.questions.list(ids=[live.id, gone.id], include_archived=True))
    assert [q.id for q in every] == [gone.id, live.id]
    assert every[0].archived_at is not None and every[1].archived_at is None
    assert gone.id not in [q.id for q in client.questions.list(limit=10000)]


def test_update_of_an_archived_question_is_a_final_conflict(client: SGPClient) -> None:
    created = _create(client)
    client.questions.archive(created.id)

    with pytest.raises(ConflictError) as caught:
        client.questions.update(created.id, name="nope")

    assert_final_conflict(caught.value)
    assert client.questions.retrieve(created.id).name == created.name
    raw = client.questions.with_raw_response.retrieve(created.id)
    assert raw.http_response.json()["archived_at"].endswith("Z")


def test_restore_clears_archived_at_and_allows_updates_again(client: SGPClient) -> None:
    created = _create(client)
    client.questions.archive(created.id)

    restored = client.questions.restore(created.id)

    assert isinstance(restored, CategoricalQuestion)
    assert restored.archived_at is None
    assert client.questions.restore(created.id).archived_at is None  # idempotent
    assert [q.id for q in client.questions.list(ids=[created.id])] == [created.id]
    assert client.questions.update(created.id, name="back").name == "back"


def test_restore_of_a_live_question_returns_it_unchanged(client: SGPClient) -> None:
    created = _create(client)

    assert client.questions.restore(created.id).model_dump() == created.model_dump()


def test_ids_filter_takes_a_list_comma_list_or_repeated_parameter(
    client: SGPClient, http: httpx.Client
) -> None:
    a, b, c = _create(client), _create(client), _create(client)

    assert [q.id for q in client.questions.list(ids=[a.id, c.id])] == [c.id, a.id]
    for params in ({"ids": f"{a.id},{b.id}"}, [("ids", a.id), ("ids", b.id)]):
        response = http.get("/v5/questions", params=params)  # type: ignore[arg-type]
        assert response.status_code == 200
        body = response.json()
        assert [q["id"] for q in body["items"]] == [b.id, a.id]
        assert body["total"] == 2
    assert list(client.questions.list(ids=[MISSING])) == []


def test_list_sorts_by_name_and_pages_with_ids(client: SGPClient) -> None:
    prefix = unique("sort")
    made = [_create(client, name=f"{prefix}-{letter}") for letter in "cab"]
    ids = [q.id for q in made]

    names = [
        q.name for q in client.questions.list(ids=ids, sort_by="name", sort_order="asc", limit=1)
    ]
    assert names == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]


@pytest.mark.parametrize("action", ["retrieve", "update", "archive", "restore"])
def test_unknown_and_foreign_questions_are_404(
    client: SGPClient, other_client: SGPClient, action: str
) -> None:
    theirs = _create(other_client)

    for question_id in (MISSING, theirs.id):
        with pytest.raises(NotFoundError):
            if action == "update":
                client.questions.update(question_id, name="x")
            else:
                getattr(client.questions, action)(question_id)
    # Nothing happened to theirs.
    after = other_client.questions.retrieve(theirs.id)
    assert (after.name, after.archived_at) == (theirs.name, None)
