"""What the annotation tests share: reviewers (API keys of account A), builders of questions,
contributor tasks and evaluations, and the reviewer routes."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import update

from tests.fixtures.server import ACCOUNT_A, Server, server_hasher
from yardstick.auth.service import auth_service, generate_key
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.models import AnnotationTask

TASKS = "/v5/annotation-tasks"
_reviewers: dict[tuple[str, int], tuple[str, str]] = {}


@dataclass
class Reviewer:
    """One person: an API key of account A, its id (the identity tasks are assigned to) and a
    client sending it."""

    user_id: str
    http: httpx.Client


def reviewer_key(server: Server, index: int) -> tuple[str, str]:
    """(key, user id) of account A's reviewer `index`, made once per server."""
    cached = _reviewers.get((server.base_url, index))
    if cached is None:
        engine = create_db_engine(server.database_url)
        try:
            key = generate_key()
            with SessionFactory(engine).write() as session, session.begin():
                row = auth_service.add_key(
                    session,
                    server_hasher(server.data_dir),
                    account_id=ACCOUNT_A,
                    key=key,
                    name=f"reviewer {index}",
                )
                cached = (key, row.id)
        finally:
            engine.dispose()
        _reviewers[(server.base_url, index)] = cached
    return cached


def open_reviewers(server: Server, count: int) -> Iterator[list[Reviewer]]:
    clients = []
    for index in range(count):
        key, user_id = reviewer_key(server, index)
        headers = {"x-api-key": key, "x-selected-account-id": ACCOUNT_A}
        clients.append(
            Reviewer(user_id, httpx.Client(base_url=server.base_url, headers=headers, timeout=60))
        )
    try:
        yield clients
    finally:
        for reviewer in clients:
            reviewer.http.close()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def question(http: httpx.Client, kind: str, configuration: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"name": f"q {kind}", "prompt": f"Your {kind}?", "question_type": kind}
    if configuration is not None:
        body["configuration"] = configuration
    question_id: str = ok(http.post("/v5/questions", json=body))["id"]
    return question_id


def contributor(alias: str, question_id: str, **config: Any) -> dict[str, Any]:
    return {
        "task_type": "contributor_evaluation.question",
        "alias": alias,
        "configuration": {
            "question_id": question_id,
            "layout": {"children": [{"data": "item.input", "label": "Input"}]},
            **config,
        },
    }


def evaluation(
    http: httpx.Client, rows: list[dict[str, Any]], tasks: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    body = {"name": "review", "data": rows, "tasks": tasks, **extra}
    created: dict[str, Any] = ok(http.post("/v5/evaluations", json=body))
    return created


def queue() -> str:
    """A queue id of the test's own: queues are the account's, and the server is shared."""
    return f"queue-{uuid.uuid4().hex[:12]}"


def yes_no_queue(
    http: httpx.Client, rows: list[dict[str, Any]], reviewers: int = 1
) -> tuple[str, str]:
    """A new evaluation with one yes/no question in a queue of its own: (evaluation, queue)."""
    named = queue()
    verdict = question(http, "categorical", {"choices": ["yes", "no"]})
    created = evaluation(
        http, rows, [contributor("ok", verdict, queue_id=named, reviewers_per_item=reviewers)]
    )
    return created["id"], named


def tasks_of(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    page = ok(http.get(TASKS, params={"limit": 1000, **params}))
    assert not page["has_more"]
    items: list[dict[str, Any]] = page["items"]
    return items


def claim(client: httpx.Client, queue_id: str, **extra: Any) -> dict[str, Any] | None:
    task: dict[str, Any] | None = ok(
        client.post(f"{TASKS}/claim", json={"queue_id": queue_id, **extra})
    )
    return task


def submit(client: httpx.Client, task_id: str, answers: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"{TASKS}/{task_id}/submit", json={"answers": answers, **extra})


def items_of(http: httpx.Client, evaluation_id: str) -> list[dict[str, Any]]:
    page = ok(http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id}))
    items: list[dict[str, Any]] = page["items"]
    return items


def expire(server: Server, task_id: str, at: datetime) -> None:
    """Move a task's lock expiry, as the clock passing it would."""
    engine = create_db_engine(server.database_url)
    try:
        with SessionFactory(engine).write() as session, session.begin():
            session.execute(
                update(AnnotationTask)
                .where(AnnotationTask.id == task_id)
                .values(assignment_expires_at=at)
            )
    finally:
        engine.dispose()
