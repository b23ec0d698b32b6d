"""Every dashboard route, called for tests/openapi/test_response_shapes.py, which checks each
answer against `/openapi.json` (its `Api` is passed in)."""

from typing import Any


def exercise_dashboards(api: Any) -> None:
    evaluation = api.post("/v5/evaluations", json={"name": "charted", "data": [{"n": 1}, {"n": 3}]})
    group = api.post(
        "/v5/evaluation-groups", json={"name": "charted", "evaluation_ids": [evaluation["id"]]}
    )
    board = api.post(
        "/v5/evaluation-dashboards",
        json={"name": "shapes", "evaluation_id": evaluation["id"], "tags": ["t"]},
    )
    path = f"/v5/evaluation-dashboards/{board['id']}"
    count = {"expression": {"type": "AGGREGATION", "function": "COUNT", "column": "*"}}
    metric = api.post(
        f"{path}/widgets", json={"title": "rows", "type": "metric", "query": {"select": [count]}}
    )
    failed = api.post(
        f"{path}/widgets",
        json={
            "title": "unknown",
            "type": "table",
            "query": {"select": [{"expression": {"type": "COLUMN", "column": "nope"}}]},
        },
    )
    assert failed["result"]["computation_status"] == "failed"
    heading = api.post(f"{path}/widgets", json={"title": "Part 1", "type": "heading"})
    api.patch(f"{path}/widgets/{metric['id']}", json={"title": "row count"})
    api.call("DELETE", f"{path}/widgets/{heading['id']}", status=204)
    api.get(path, params={"views": "widgets,widget_results"})
    api.patch(path, json={"description": "every shape", "widget_order": [metric["id"]]})
    on_group = api.post(
        "/v5/evaluation-dashboards",
        json={
            "name": "group",
            "evaluation_group_id": group["id"],
            "template_dashboard_id": board["id"],
        },
    )
    assert api.get("/v5/evaluation-dashboards", params={"tags": "T", "limit": 5})["items"]
    api.delete(f"/v5/evaluation-dashboards/{on_group['id']}")
    api.call(
        "GET",
        "/v5/evaluation-dashboards",
        params={"evaluation_id": "a", "evaluation_group_id": "b"},
        status=422,
    )
    api.call("GET", "/v5/evaluation-dashboards/missing", status=404)
