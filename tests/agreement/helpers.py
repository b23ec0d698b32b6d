"""What the agreement route's tests share: clients of the engine's server, the route, and
evaluations whose cells, and reviewers' answers, are written straight into the server's
database."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from tests.fixtures.server import ACCOUNT_A, Server
from yardstick.evaluation.results_version import results_changed
from yardstick.models import AnnotationAnswer, AnnotationTask, TaskResult

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


START = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Given:
    item: int
    alias: str
    reviewer: str
    value: Any
    slot: int
    minute: int = 0  # when it was answered: a later answer replaces a reviewer's earlier one
    task_type: str = "CONTRIBUTOR_ANNOTATION"
    status: str = "COMPLETED"


def write_answers(
    database: Engine, evaluation_id: str, item_ids: list[str], given: list[Given]
) -> None:
    tasks, answers = [], []
    for n, g in enumerate(given):
        at = START + timedelta(minutes=g.minute)
        task_id = f"{evaluation_id[:24]}-{n:011d}"
        tasks.append(
            {
                "id": task_id,
                "account_id": ACCOUNT_A,
                "evaluation_id": evaluation_id,
                "evaluation_item_id": item_ids[g.item],
                "queue_id": f"queue-{g.alias}",
                "task_type": g.task_type,
                "slot": g.slot,
                "status": g.status,
                "position": g.item,
                "completed_by": g.reviewer,
                "completed_at": at,
                "updated_at": at,
            }
        )
        answers.append(
            {
                "task_id": task_id,
                "alias": g.alias,
                "evaluation_id": evaluation_id,
                "evaluation_item_id": item_ids[g.item],
                "reviewer": g.reviewer,
                "value": g.value,
                "created_at": at,
            }
        )
    with Session(database) as session, session.begin():
        session.execute(insert(AnnotationTask), tasks)
        session.execute(insert(AnnotationAnswer), answers)


# Three reviewers label items 0-3; item 4 has one answer, and so has item 5 once the audit's
# answer and the one sent back for a redo are left out. On item 0 ann changed her mind (a
# second slot, later): "good" stands.
