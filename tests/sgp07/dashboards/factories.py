"""Evaluations whose items already carry results, and what their widgets must compute.

The results are prefilled (a contributor question task with `prefill_from`), so no engine
runs: `score` holds each row's `s` and `verdict` its `v`. Expected values are computed here in
Python from the same rows.
"""

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from scale_gp_beta import SGPClient

from tests.sgp07.helpers import unique

CATS = ("a", "b", "c")


def rows(count: int = 30, offset: float = 0.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k in range(count):
        row: dict[str, Any] = {
            "input": f"item {k}",
            "cat": CATS[k % 3],
            "x": round(k * 1.25 + offset, 4),
            "flag": k % 4 == 0,
            "meta": {"lang": "en" if k % 2 else "fr"},
            "s": round((k * 7 % 10) / 10 + offset, 4),
        }
        if k % 5:  # every fifth row has no `n`, and no verdict
            row["n"] = k % 7
            row["v"] = "yes" if k % 3 else "no"
        out.append(row)
    return out


def question(client: SGPClient) -> str:
    return client.questions.create(
        question={
            "name": unique("q"),
            "prompt": "Right?",
            "question_type": "categorical",
            "configuration": {"choices": ["yes", "no"]},
        }
    ).id


def evaluation(client: SGPClient, data: list[dict[str, Any]], name: str | None = None) -> str:
    """An evaluation of `data` with prefilled cells: `score` from `s`, `verdict` from `v`."""
    question_id = question(client)

    def task(alias: str, column: str) -> dict[str, Any]:
        return {
            "task_type": "contributor_evaluation.question",
            "alias": alias,
            "configuration": {
                "question_id": question_id,
                "layout": {"children": [{"data": "item.input"}]},
                "prefill_from": column,
            },
        }

    created = client.evaluations.create(
        evaluation={
            "name": name or unique("ev"),
            "data": data,
            "tasks": [task("score", "s"), task("verdict", "v")],  # type: ignore[list-item]
        }
    )
    return created.id


def agg(function: str, column: str, alias: str | None = None, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "expression": {"type": "AGGREGATION", "function": function, "column": column, **more}
    }
    if alias:
        item["alias"] = alias
    return item


def col(column: str, alias: str | None = None, source: str | None = None) -> dict[str, Any]:
    expression: dict[str, Any] = {"type": "COLUMN", "column": column}
    if source:
        expression["source"] = source
    item: dict[str, Any] = {"expression": expression}
    if alias:
        item["alias"] = alias
    return item


def metric(client: SGPClient, dashboard_id: str, select: dict[str, Any], **query: Any) -> Any:
    """The computed value of a new metric widget."""
    widget = client.evaluation_dashboards.widgets.create(
        dashboard_id, title="m", type="metric", query={"select": [select], **query}
    )
    assert widget.result is not None
    assert widget.result.computation_status == "completed", widget.result.error_message
    assert widget.result.computed_result is not None
    assert widget.result.computed_result["type"] == "metric"
    return widget.result.computed_result["data"]


def series(client: SGPClient, dashboard_id: str, **query: Any) -> list[dict[str, Any]]:
    widget = client.evaluation_dashboards.widgets.create(
        dashboard_id,
        title="t",
        type="table",
        query=query,  # type: ignore[arg-type]
    )
    assert widget.result is not None
    assert widget.result.computation_status == "completed", widget.result.error_message
    assert widget.result.computed_result is not None
    assert widget.result.computed_result["type"] == "series"
    data: list[dict[str, Any]] = widget.result.computed_result["data"]  # type: ignore[assignment]
    return data


# --- the same statistics in Python --------------------------------------------------------------


def numbers(data: Sequence[dict[str, Any]], key: str) -> list[float]:
    return [
        float(r[key])
        for r in data
        if isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool)
    ]


def percentile(values: Sequence[float], p: float) -> float | None:
    """PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = p / 100 * (len(ordered) - 1)
    low = math.floor(position)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (position - low)


STATS: dict[str, Callable[[list[float]], float | None]] = {
    "SUM": lambda v: math.fsum(v) if v else None,
    "AVG": lambda v: statistics.fmean(v) if v else None,
    "MIN": lambda v: min(v) if v else None,
    "MAX": lambda v: max(v) if v else None,
    "STDDEV": lambda v: statistics.stdev(v) if len(v) > 1 else None,
    "VARIANCE": lambda v: statistics.variance(v) if len(v) > 1 else None,
}
