"""Annotation tasks are made with the evaluation (and again when contributor tasks change):
one per item, queue and reviewer slot."""

from typing import Any

import httpx

from tests.annotation.factories import (
    Reviewer,
    claim,
    contributor,
    evaluation,
    ok,
    question,
    queue,
    tasks_of,
)

ROWS = [{"input": f"row {i}"} for i in range(4)]
CHOICES = {"choices": ["good", "bad"]}


def test_one_task_per_item_and_slot_in_item_order(http: httpx.Client) -> None:
    verdict = question(http, "categorical", CHOICES)
    named = queue()
    created = evaluation(
        http,
        ROWS,
        [
            contributor("single", verdict),  # the default queue: the evaluation's id
            contributor("triple", verdict, queue_id=named, reviewers_per_item=3),
            contributor("also_triple", verdict, queue_id=named, reviewers_per_item=3),
        ],
    )
    assert created["status"] == "completed"  # people never keep an evaluation running
    items = [
        item["id"]
        for item in ok(http.get("/v5/evaluation-items", params={"evaluation_id": created["id"]}))[
            "items"
        ]
    ]

    default = tasks_of(http, evaluation_id=created["id"], queue_id=created["id"])
    assert [(t["evaluation_item_id"], t["slot"]) for t in default] == [(i, 0) for i in items]
    triple = tasks_of(http, evaluation_id=created["id"], queue_id=named)
    assert [(t["evaluation_item_id"], t["slot"], t["position"]) for t in triple] == [
        (item, slot, position) for position, item in enumerate(items) for slot in range(3)
    ]
    first = triple[0]
    assert {k: first[k] for k in ("object", "status", "task_type", "priority", "assigned_to")} == {
        "object": "annotation_task",
        "status": "PENDING",  # the layout shows input only: ready at once
        "task_type": "CONTRIBUTOR_ANNOTATION",
        "priority": 0,
        "assigned_to": None,
    }
    page = ok(http.get("/v5/annotation-tasks", params={"evaluation_id": created["id"], "limit": 5}))
    assert (page["total"], len(page["items"]), page["has_more"]) == (16, 5, True)


def test_skip_prefilled_rows_queues_no_one_for_fully_prefilled_items(http: httpx.Client) -> None:
    verdict = question(http, "categorical", CHOICES)
    rows = [{"input": "a", "label": "good"}, {"input": "b"}, {"input": "c", "label": "bad"}]
    tasks = [contributor("review", verdict, prefill_from="label")]
    skipping = evaluation(http, rows, tasks, skip_prefilled_rows=True)
    assert len(tasks_of(http, evaluation_id=skipping["id"])) == 1
    confirming = evaluation(http, rows, tasks)
    assert len(tasks_of(http, evaluation_id=confirming["id"])) == 3
    # An item needs people while any alias of its queue is not prefilled.
    two = [*tasks, contributor("second", verdict)]
    partly = evaluation(http, rows, two, skip_prefilled_rows=True)
    assert len(tasks_of(http, evaluation_id=partly["id"])) == 3
    # Only JSON's booleans: "false" was read as false, and "yes" as true.
    body = {"name": "lax", "data": rows, "tasks": tasks, "skip_prefilled_rows": "yes"}
    refused = http.post("/v5/evaluations", json=body)
    assert refused.status_code == 422
    assert [entry["loc"] for entry in refused.json()["detail"]] == [["body", "skip_prefilled_rows"]]


def test_reviewers_per_item_must_agree_within_a_queue(http: httpx.Client) -> None:
    verdict = question(http, "categorical", CHOICES)
    named = queue()
    body = {
        "name": "disagree",
        "data": ROWS,
        "tasks": [
            contributor("a", verdict, queue_id=named, reviewers_per_item=2),
            contributor("b", verdict, queue_id=named),
        ],
    }
    error = ok(http.post("/v5/evaluations", json=body), 422)["detail"][0]
    assert error["loc"] == ["body", "tasks", 1, "configuration", "reviewers_per_item"]
    body["tasks"] = [contributor("a", verdict, reviewers_per_item=11)]
    error = ok(http.post("/v5/evaluations", json=body), 422)["detail"][0]
    assert error["loc"] == ["body", "tasks", 0, "configuration", "reviewers_per_item"]


def _add(http: httpx.Client, evaluation_id: str, task: dict[str, Any]) -> httpx.Response:
    return http.post(f"/v5/evaluations/{evaluation_id}/tasks", json={"task": task})


def test_contributor_tasks_change_only_before_annotation_starts(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    verdict = question(http, "categorical", CHOICES)
    named = queue()
    created = evaluation(http, ROWS[:2], [contributor("first", verdict, queue_id=named)])
    eid = created["id"]
    # Added: its queue's tasks are made for the existing items.
    ok(_add(http, eid, contributor("second", verdict, queue_id=f"{named}-2", reviewers_per_item=2)))
    assert len(tasks_of(http, evaluation_id=eid)) == 2 + 4
    mismatch = _add(http, eid, contributor("third", verdict, queue_id=named, reviewers_per_item=3))
    assert ok(mismatch, 422)["detail"][0]["loc"] == [
        "body",
        "task",
        "configuration",
        "reviewers_per_item",
    ]
    # Changed: the queues are made again (two reviewers now).
    changed = contributor("first", verdict, queue_id=named, reviewers_per_item=2)["configuration"]
    ok(http.patch(f"/v5/evaluations/{eid}/tasks/first", json={"configuration": changed}))
    assert len(tasks_of(http, evaluation_id=eid, queue_id=named)) == 4

    assert claim(reviewers[0].http, named) is not None
    refused = _add(http, eid, contributor("late", verdict, queue_id=named, reviewers_per_item=2))
    assert refused.status_code == 409 and refused.headers["x-should-retry"] == "false"
    assert "started" in refused.json()["detail"]
    again = http.patch(f"/v5/evaluations/{eid}/tasks/second", json={"configuration": changed})
    assert again.status_code == 409
    assert len(tasks_of(http, evaluation_id=eid)) == 4 + 4  # nothing changed
