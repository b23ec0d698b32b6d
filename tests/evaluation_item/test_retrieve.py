"""GET /v5/evaluation-items/{id}."""

import httpx
import pytest
from scale_gp_beta import NotFoundError, SGPClient

from tests.evaluation.helpers import items_of, make_evaluation, rows


def test_retrieve_returns_what_list_returned(client: SGPClient) -> None:
    evaluation = make_evaluation(client, 3)

    items = items_of(client, evaluation.id)

    assert [client.evaluation_items.retrieve(item.id).to_dict() for item in items] == [
        item.to_dict() for item in items
    ]
    assert [item.data for item in items] == rows(3)


SGP_FIELDS = (
    "object",
    "id",
    "evaluation_id",
    "data",
    "dataset_item_id",
    "dataset_item_version_num",
    "task_errors",
    "task_result_statuses",
    "created_at",
    "created_by_user_id",
    "archived_at",
)


def test_wire_format_has_every_field_and_utc_timestamps(
    client: SGPClient, http: httpx.Client
) -> None:
    evaluation = make_evaluation(client, 1)
    item = items_of(client, evaluation.id)[0]

    response = http.get(f"/v5/evaluation-items/{item.id}")

    body = response.json()
    assert response.headers["content-type"] == "application/json"
    # Every field of the contract's EvaluationItem plus its task extras; others may come too.
    assert {k: body[k] for k in SGP_FIELDS} == {
        "object": "evaluation.item",
        "id": item.id,
        "evaluation_id": evaluation.id,
        "data": {"i": 0},
        "dataset_item_id": None,
        "dataset_item_version_num": None,
        "task_errors": {},
        "task_result_statuses": {},
        "created_at": body["created_at"],
        "created_by_user_id": evaluation.created_by_user_id,
        "archived_at": None,
    }
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize("item_id", ["00000000-0000-7000-8000-000000000000", "not-an-id"])
def test_unknown_id_is_404(client: SGPClient, item_id: str) -> None:
    with pytest.raises(NotFoundError):
        client.evaluation_items.retrieve(item_id)
    with pytest.raises(NotFoundError):
        client.evaluation_items.retrieve(item_id, include_archived=True)


def test_an_evaluation_id_is_not_an_item_id(client: SGPClient) -> None:
    evaluation = make_evaluation(client, 1)

    with pytest.raises(NotFoundError):
        client.evaluation_items.retrieve(evaluation.id)
