"""Every annotation-task route, called for tests/openapi/test_response_shapes.py, which checks
each answer against `/openapi.json` (its `Api` is passed in). Account A's key is both the
evaluation's creator and its reviewer here."""

from typing import Any

TASKS = "/v5/annotation-tasks"


def exercise_annotation(api: Any) -> None:
    question = api.post(
        "/v5/questions",
        json={"name": "review", "prompt": "Right?", "configuration": {"choices": ["y", "n"]}},
    )
    evaluation = api.post(
        "/v5/evaluations",
        json={
            "name": "annotation shapes",
            "data": [{"input": "a"}, {"input": "b"}],
            "tasks": [
                {
                    "task_type": "contributor_evaluation.question",
                    "alias": "review",
                    "configuration": {
                        "question_id": question["id"],
                        "layout": {"children": [{"data": "item.input"}]},
                    },
                }
            ],
        },
    )
    queue_id, me = evaluation["id"], evaluation["created_by_user_id"]
    listed = api.get(TASKS, params={"evaluation_id": queue_id, "status": "pending"})
    first, second = (task["id"] for task in listed["items"])
    claimed = api.post(f"{TASKS}/claim", json={"queue_id": queue_id})
    assert claimed["id"] == first
    api.get(f"{TASKS}/{first}")
    api.post(f"{TASKS}/{first}/skip")
    api.post(f"{TASKS}/claim", json={"queue_id": queue_id, "evaluation_id": queue_id})
    api.post(f"{TASKS}/{second}/submit", json={"answers": {"review": "y"}, "comment": "ok"})
    api.call("POST", f"{TASKS}/{second}/submit", json={"answers": {"review": "y"}}, status=409)
    api.post(f"{TASKS}/claim", json={"queue_id": queue_id})
    api.call("POST", f"{TASKS}/{first}/submit", json={"answers": {"review": "?"}}, status=422)
    api.post(f"{TASKS}/{first}/submit", json={"answers": {"review": "n"}})
    assert api.post(f"{TASKS}/claim", json={"queue_id": queue_id}) is None
    api.patch(f"{TASKS}/batch", json={"ids": [first], "status": "PENDING_REDO", "assigned_to": me})
    items = [t["evaluation_item_id"] for t in listed["items"]]
    audit = {"evaluation_id": queue_id, "queue_id": queue_id, "evaluation_item_ids": items}
    api.patch(f"{TASKS}/batch", json={"audit_assignment": {**audit, "level_1_assigned_to": me}})
    api.call("PATCH", f"{TASKS}/batch", json={}, status=422)
    api.call("POST", f"{TASKS}/claim", json={"queue_id": "no-such-queue"}, status=404)
    api.call("GET", f"{TASKS}/nope", status=404)
    api.call("GET", TASKS, params={"status": "nope"}, status=422)
