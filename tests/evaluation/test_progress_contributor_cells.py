"""`progress.items`: an item is successful when every task that runs has its cell done. A
person's answer to a contributor question is not one of those cells, so it must not stand in
for a model cell that is still to come."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.orm import Session

from tests.agreement.helpers import contributor_task
from tests.execution.helpers import chat_task
from tests.fixtures.server import Server
from yardstick.models import TaskResult


@pytest.fixture
def database(server: Server) -> Iterator[Engine]:
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


def test_an_answered_question_does_not_complete_a_pending_item(
    http: httpx.Client, database: Engine
) -> None:
    question_id = http.post(
        "/v5/questions",
        json={"name": "q", "prompt": "Right?", "question_type": "free_text", "configuration": {}},
    ).json()["id"]
    # No worker runs on this server: `answer` stays pending.
    created = http.post(
        "/v5/evaluations",
        json={
            "name": "pending answer, answered review",
            "data": [{"input": "a"}],
            "tasks": [chat_task("answer"), contributor_task("review", question_id, None)],
        },
    ).json()
    [item] = http.get("/v5/evaluation-items", params={"evaluation_id": created["id"]}).json()[
        "items"
    ]
    with Session(database) as session, session.begin():
        session.execute(
            insert(TaskResult),
            [
                {
                    "item_id": item["id"],
                    "alias": "review",
                    "evaluation_id": created["id"],
                    "status": "completed",
                    "value": "yes",
                    "attempts": 1,
                }
            ],
        )
    # A change of name changes the evaluation's fingerprint: its progress is counted again.
    http.patch(f"/v5/evaluations/{created['id']}", json={"name": "renamed"})

    items = http.get(f"/v5/evaluations/{created['id']}").json()["progress"]["items"]

    assert (items["successful"], items["failed"], items["pending"]) == (0, 0, 1)
