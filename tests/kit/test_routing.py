"""`/v5/x/` is served as `/v5/x`, never redirected: a redirect drops a POST body."""

import httpx
from scale_gp_beta import SGPClient

from tests.dataset.factories import items_of, make_dataset, unique


def test_post_with_a_trailing_slash_creates(client: SGPClient, http: httpx.Client) -> None:
    name = unique("name")

    response = http.post("/v5/datasets/", json={"name": name, "data": [{"i": 0}]})

    assert response.status_code == 200
    assert [d.id for d in client.datasets.list(name=name)] == [response.json()["id"]]


def test_every_method_is_served_with_a_trailing_slash(
    client: SGPClient, http: httpx.Client
) -> None:
    dataset = make_dataset(client, 2)
    item = items_of(client, dataset.id)[0]

    answers = [
        http.get(f"/v5/datasets/{dataset.id}/"),
        http.get("/v5/datasets/", params={"name": dataset.name}),
        http.patch(f"/v5/datasets/{dataset.id}/", json={"description": "slash"}),
        http.post("/v5/dataset-items/batch/", json={"dataset_id": dataset.id, "data": [{"i": 2}]}),
        http.get("/v5/dataset-items/", params={"dataset_id": dataset.id}),
        http.get(f"/v5/dataset-items/{item.id}/"),
        http.patch(f"/v5/dataset-items/{item.id}/", json={"data": {"i": "x"}}),
        http.delete(f"/v5/dataset-items/{item.id}/"),
        http.delete(f"/v5/datasets/{dataset.id}/"),
    ]

    assert [a.status_code for a in answers] == [200] * len(answers)
    assert answers[1].json()["items"][0]["id"] == dataset.id
    assert answers[4].json()["total"] == 3
    final = client.datasets.retrieve(dataset.id, include_archived=True)
    assert (final.description, final.current_version_num, final.archived_at is not None) == (
        "slash",
        4,
        True,
    )
