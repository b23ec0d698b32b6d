"""The standalone create shape: the evaluation's rows come in the body."""

from datetime import UTC, datetime, timedelta

import httpx
from scale_gp_beta import SGPClient

from tests.evaluation.helpers import data_of, items_of, make_dataset, rows, unique


def test_create_returns_the_evaluation(client: SGPClient) -> None:
    tag = unique("tag")

    evaluation = client.evaluations.create(
        name="sky", description="d", tags=[tag, "x"], data=rows(2)
    )

    assert evaluation.object == "evaluation"
    assert evaluation.name == "sky"
    assert evaluation.description == "d"
    assert evaluation.tags == [tag, "x"]
    assert evaluation.status == "completed"
    assert evaluation.datasets == []
    assert evaluation.tasks == []
    assert evaluation.archived_at is None
    assert abs(datetime.now(UTC) - evaluation.created_at) < timedelta(minutes=5)


def test_optional_fields_default_to_empty(client: SGPClient) -> None:
    evaluation = client.evaluations.create(name=unique(), data=rows(1))

    assert evaluation.description is None
    assert evaluation.tags == []


def test_created_by_is_the_accounts_user(client: SGPClient, other_client: SGPClient) -> None:
    mine = client.evaluations.create(name=unique(), data=rows(1))
    theirs = other_client.evaluations.create(name=unique(), data=rows(1))

    assert mine.created_by_user_id == make_dataset(client, 1).created_by_user_id
    assert theirs.created_by_user_id == make_dataset(other_client, 1).created_by_user_id
    assert mine.created_by_user_id != theirs.created_by_user_id


def test_rows_become_items_in_input_order(client: SGPClient) -> None:
    data: list[dict[str, object]] = [
        {"input": "b", "n": 2},
        {"input": "a", "nested": {"z": [1, None, True, 2.5]}},
        {
            "input": "c",
            "text": "é ✓ \u2028 \U0001f600",
        },  # NUL is refused: tests/kit/test_bad_input.py
    ]

    evaluation = client.evaluations.create(name=unique(), data=data)

    items = items_of(client, evaluation.id)
    assert [data_of(item) for item in items] == data
    assert {item.evaluation_id for item in items} == {evaluation.id}
    assert {item.object for item in items} == {"evaluation.item"}
    assert {item.dataset_item_id for item in items} == {None}
    assert {item.dataset_item_version_num for item in items} == {None}
    assert {item.created_by_user_id for item in items} == {evaluation.created_by_user_id}
    assert len({item.id for item in items}) == 3


def test_rows_may_have_different_keys(client: SGPClient) -> None:
    data: list[dict[str, object]] = [{"a": 1}, {"b": 2}, {}]

    evaluation = client.evaluations.create(name=unique(), data=data)

    assert [data_of(item) for item in items_of(client, evaluation.id)] == data


SGP_FIELDS = (
    "object",
    "id",
    "name",
    "description",
    "tags",
    "status",
    "datasets",
    "created_at",
    "created_by_user_id",
    "archived_at",
)


def test_wire_format_has_every_field_and_utc_timestamps(
    client: SGPClient, http: httpx.Client
) -> None:
    evaluation = client.evaluations.create(name=unique(), data=rows(1))

    response = http.get(f"/v5/evaluations/{evaluation.id}")

    body = response.json()
    assert response.headers["content-type"] == "application/json"
    # Every field of the contract's Evaluation; forward-compatible extras may come too.
    assert {k: body[k] for k in SGP_FIELDS} == {
        "object": "evaluation",
        "id": evaluation.id,
        "name": evaluation.name,
        "description": None,
        "tags": [],
        "status": "completed",
        "datasets": [],
        "created_at": body["created_at"],
        "created_by_user_id": evaluation.created_by_user_id,
        "archived_at": None,
    }
    assert body["created_at"].endswith("Z")
    assert "tasks" not in body
