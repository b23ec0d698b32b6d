"""NOT_READY until every result a queue's layout shows is in, then PENDING: a model's answer
(run by the engine), or another queue's human answer."""

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.agreement.helpers import http_for
from tests.annotation.factories import (
    Reviewer,
    claim,
    contributor,
    evaluation,
    ok,
    open_reviewers,
    question,
    queue,
    submit,
    tasks_of,
)
from tests.execution.helpers import chat_task
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import Server

SHOWS_ANSWER = {"children": [{"data": "item.input"}, {"data": "item.answer", "label": "Answer"}]}


def test_a_layout_that_shows_another_queues_answer_waits_for_it(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    first_queue, second_queue = queue(), queue()
    verdict = question(http, "categorical", {"choices": ["yes", "no"]})
    shows_first = {"children": [{"data": "item.input"}, {"data": "item.first"}]}
    created = evaluation(
        http,
        [{"input": "a"}, {"input": "b"}],
        [
            contributor("first", verdict, queue_id=first_queue),
            contributor("second", verdict, queue_id=second_queue, layout=shows_first),
        ],
    )
    waiting = tasks_of(http, evaluation_id=created["id"], queue_id=second_queue)
    assert {t["status"] for t in waiting} == {"NOT_READY"}
    # Its view says what it waits for (it said the item has no field `item.first`).
    shown = ok(http.get(f"/v5/annotation-tasks/{waiting[0]['id']}"))["item"]["layout"]
    assert shown["children"][1]["error"] == (
        "'item.first': task 'first' has no result for this item yet"
    )
    alice, bob = reviewers[0], reviewers[1]
    assert claim(bob.http, second_queue) is None  # nothing ready: an empty queue, not a 404
    assert ok(
        alice.http.post(
            f"/v5/annotation-tasks/{waiting[0]['id']}/submit", json={"answers": {"second": "yes"}}
        ),
        409,
    )["detail"].endswith("not in yet")

    task = claim(alice.http, first_queue)
    assert task is not None
    ok(submit(alice.http, task["id"], {"first": "no"}))
    # The first item's answer is in: its task in the second queue is ready, the other is not.
    statuses = {
        t["evaluation_item_id"]: t["status"]
        for t in tasks_of(http, evaluation_id=created["id"], queue_id=second_queue)
    }
    assert statuses == {
        task["evaluation_item_id"]: "PENDING",
        waiting[1]["evaluation_item_id"]: "NOT_READY",
    }
    ready = claim(bob.http, second_queue)
    assert ready is not None and ready["evaluation_item_id"] == task["evaluation_item_id"]
    view = ok(bob.http.get(f"/v5/annotation-tasks/{ready['id']}"))
    assert [c["value"] for c in view["item"]["layout"]["children"]] == ["a", "no"]


@pytest.fixture
def engine_http(engine_server: Server) -> Iterator[httpx.Client]:
    with http_for(engine_server) as client:
        yield client


@pytest.fixture
def engine_reviewers(engine_server: Server) -> Iterator[list[Reviewer]]:
    yield from open_reviewers(engine_server, 1)


def _wait(http: httpx.Client, evaluation_id: str) -> None:
    deadline = time.monotonic() + 60
    while ok(http.get(f"/v5/evaluations/{evaluation_id}"))["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_layout_that_shows_a_model_answer_waits_for_the_run(
    engine_http: httpx.Client, engine_reviewers: list[Reviewer], fake_models: FakeModels
) -> None:
    named = queue()
    verdict = question(engine_http, "categorical", {"choices": ["right", "wrong"]})
    # The second row's model call fails (an errored cell is a result too: its item is ready).
    refusal = {"status": 400, "message": "the fake model refuses"}
    fake_models.control(latency_ms=600, replies_for={"<<b>>": [refusal] * 3})
    try:
        created = evaluation(
            engine_http,
            [{"input": "<<a>>"}, {"input": "<<b>>"}],
            [
                chat_task("answer"),
                contributor("check", verdict, queue_id=named, layout=SHOWS_ANSWER),
            ],
        )
        assert created["status"] == "running"
        assert {t["status"] for t in tasks_of(engine_http, evaluation_id=created["id"])} == {
            "NOT_READY"
        }
        _wait(engine_http, created["id"])
    finally:
        fake_models.reset()  # no latency, and the rest of the script dropped
    assert {t["status"] for t in tasks_of(engine_http, evaluation_id=created["id"])} == {"PENDING"}
    reviewer = engine_reviewers[0]
    shown = []
    while (task := claim(reviewer.http, named)) is not None:
        view = ok(reviewer.http.get(f"/v5/annotation-tasks/{task['id']}"))
        shown.append(view["item"]["layout"]["children"][1])
        ok(submit(reviewer.http, task["id"], {"check": "right"}))
    assert shown[0]["value"] == "echo: <<a>>"
    assert shown[1]["value"] is None and "failed" in shown[1]["error"]

    # A retry computes the failed model cell again, and keeps the people's answers.
    ok(engine_http.post(f"/v5/evaluations/{created['id']}/retry", json={"aliases": ["answer"]}))
    _wait(engine_http, created["id"])
    items = ok(engine_http.get("/v5/evaluation-items", params={"evaluation_id": created["id"]}))
    assert [item["data"]["answer"] for item in items["items"]] == ["echo: <<a>>", "echo: <<b>>"]
    assert [item["data"]["check"] for item in items["items"]] == ["right", "right"]
    # Changing the model task the reviewers read would compute it again under them.
    changed = {"configuration": chat_task("answer", "item.input")["configuration"]}
    refused = engine_http.patch(f"/v5/evaluations/{created['id']}/tasks/answer", json=changed)
    assert refused.status_code == 409, refused.text
