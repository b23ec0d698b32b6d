"""Factory functions for the raw-HTTP dashboard tests (and the OpenAPI shapes scenario)."""

import uuid
from typing import Any

import httpx

PATH = "/v5/evaluation-dashboards"
MISSING = "00000000-0000-7000-8000-000000000000"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def error(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()["detail"]


def locs(response: httpx.Response) -> list[list[Any]]:
    return [entry["loc"] for entry in error(response, 422)]


def scored_evaluation(http: httpx.Client, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """An evaluation whose cells are already there: `score` is prefilled from each row's `s`."""
    question = ok(
        http.post(
            "/v5/questions",
            json={"name": unique("q"), "prompt": "ok?", "configuration": {"choices": ["y", "n"]}},
        )
    )
    task = {
        "task_type": "contributor_evaluation.question",
        "alias": "score",
        "configuration": {
            "question_id": question["id"],
            "layout": {"children": [{"data": "item.input"}]},
            "prefill_from": "s",
        },
    }
    result: dict[str, Any] = ok(
        http.post("/v5/evaluations", json={"name": unique("ev"), "data": rows, "tasks": [task]})
    )
    return result


def dashboard(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = ok(http.post(PATH, json={"name": unique("d"), **fields}))
    return result


def widget(http: httpx.Client, dashboard_id: str, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = ok(http.post(f"{PATH}/{dashboard_id}/widgets", json=fields))
    return result


def agg(function: str, column: str, alias: str | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "expression": {"type": "AGGREGATION", "function": function, "column": column, **more}
    }
    return {**item, "alias": alias} if alias else item
