"""What the agreement route's tests share: clients of the engine's server, the route, and
evaluations whose cells are written straight into the server's database."""

from typing import Any

import httpx
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from tests.fixtures.server import ACCOUNT_A, Server
from yardstick.evaluation.results_version import results_changed
from yardstick.models import TaskResult

MISSING = object()


def http_for(server: Server, account: str = ACCOUNT_A) -> httpx.Client:
    headers = {"x-api-key": server.keys[account], "x-selected-account-id": account}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def agreement(http: httpx.Client, evaluation_id: str, **params: Any) -> httpx.Response:
    return http.get(f"/v5/evaluations/{evaluation_id}/agreement", params=params)


def contributor_task(alias: str, question_id: str, prefill_from: str | None) -> dict[str, Any]:
    """A question for a person; with `prefill_from`, answered by that column where it has a
    value (status `prefilled`), as a human's answers imported with the rows are."""
    configuration: dict[str, Any] = {
        "question_id": question_id,
        "layout": {"children": [{"data": "item.input"}]},
    }
    if prefill_from is not None:
        configuration["prefill_from"] = prefill_from
    return {
        "task_type": "contributor_evaluation.question",
        "alias": alias,
        "configuration": configuration,
    }


def evaluation_with_cells(
    http: httpx.Client, database: Engine, cells: dict[str, list[Any]]
) -> tuple[str, list[str]]:
    """An evaluation whose aliases are unanswered questions (nothing runs), then
    `cells[alias][i]` stored as item i's completed result (none where MISSING)."""
    question_id = http.post(
        "/v5/questions",
        json={
            "name": "agreement edge",
            "prompt": "Judge it",
            "question_type": "free_text",
            "configuration": {},
        },
    ).json()["id"]
    size = max(len(column) for column in cells.values())
    response = http.post(
        "/v5/evaluations",
        json={
            "name": "agreement edge cases",
            "data": [{"input": f"e{i}"} for i in range(size)],
            "tasks": [contributor_task(alias, question_id, None) for alias in cells],
        },
    )
    assert response.status_code == 200, response.text
    evaluation_id: str = response.json()["id"]
    page = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id}).json()
    item_ids = [item["id"] for item in page["items"]]
    rows = [
        {
            "item_id": item_ids[i],
            "alias": alias,
            "evaluation_id": evaluation_id,
            "status": "completed",
            "value": value,
            "attempts": 1,
        }
        for alias, column in cells.items()
        for i, value in enumerate(column)
        if value is not MISSING
    ]
    with Session(database) as session, session.begin():
        if rows:
            session.execute(insert(TaskResult), rows)
        results_changed(session, [evaluation_id])
    return evaluation_id, item_ids
