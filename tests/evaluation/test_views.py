"""`tasks` is filled only with `views=tasks` on reads; create always returns it."""

import httpx
from scale_gp_beta import SGPClient

from tests.evaluation.helpers import MODEL, make_evaluation, task, unique

TASKS = [task("inference", {"model": MODEL}, alias="out")]
ECHO = [{"task_type": "inference", "alias": "out", "configuration": {"model": MODEL}}]


def test_create_returns_tasks(client: SGPClient) -> None:
    evaluation = make_evaluation(client, tasks=TASKS)

    assert [t.to_dict() for t in evaluation.tasks or []] == ECHO


def test_retrieve_returns_tasks_only_with_the_view(client: SGPClient, http: httpx.Client) -> None:
    evaluation = make_evaluation(client, tasks=TASKS)

    assert client.evaluations.retrieve(evaluation.id).tasks is None
    assert "tasks" not in http.get(f"/v5/evaluations/{evaluation.id}").json()
    with_view = client.evaluations.retrieve(evaluation.id, views=["tasks"])
    assert [t.to_dict() for t in with_view.tasks or []] == ECHO


def test_list_returns_tasks_only_with_the_view(client: SGPClient) -> None:
    tag = unique("tag")
    make_evaluation(client, tag=tag, tasks=TASKS)

    assert [e.tasks for e in client.evaluations.list(tags=[tag])] == [None]
    assert [
        [t.to_dict() for t in e.tasks or []]
        for e in client.evaluations.list(tags=[tag], views=["tasks"])
    ] == [ECHO]


def test_update_returns_tasks_only_with_the_view(client: SGPClient, http: httpx.Client) -> None:
    evaluation = make_evaluation(client, tasks=TASKS)

    assert client.evaluations.update(evaluation.id, name="renamed").tasks is None
    body = http.patch(f"/v5/evaluations/{evaluation.id}", params={"views": "tasks"}, json={}).json()
    assert body["tasks"] == ECHO


def test_unknown_views_are_ignored(http: httpx.Client, client: SGPClient) -> None:
    evaluation = make_evaluation(client, tasks=TASKS)

    response = http.get(f"/v5/evaluations/{evaluation.id}", params={"views": "tasks,progress"})

    assert response.status_code == 200
    assert response.json()["tasks"] == ECHO
    assert (
        "tasks"
        not in http.get(f"/v5/evaluations/{evaluation.id}", params={"views": "other"}).json()
    )
