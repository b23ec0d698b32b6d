"""Widgets computed by the database, the same answers on SQLite and PostgreSQL."""

import math
import statistics

import httpx
import pytest

from tests.evaluation_dashboard.factories import (
    PATH,
    agg,
    dashboard,
    ok,
    scored_evaluation,
    widget,
)

# Floats that sum differently in different orders, and a large mean next to a small spread
# (where a one-pass sum of squares would lose every digit of the variance).
ROWS = [
    {"input": f"r{k}", "group": "even" if k % 2 == 0 else "odd", "big": 1e9 + k * 0.1, "s": k / 7}
    for k in range(40)
]


def test_statistics_match_python_on_both_databases(http: httpx.Client) -> None:
    evaluation = scored_evaluation(http, ROWS)
    board = dashboard(http, evaluation_id=evaluation["id"])
    big = [r["big"] for r in ROWS]
    scores = [r["s"] for r in ROWS]

    def metric(select: dict[str, object]) -> object:
        made = widget(http, board["id"], title="m", type="metric", query={"select": [select]})
        assert made["result"]["computation_status"] == "completed", made["result"]
        return made["result"]["computed_result"]["data"]

    assert metric(agg("VARIANCE", "big")) == pytest.approx(statistics.variance(big), rel=1e-6)
    assert metric(agg("STDDEV", "score")) == pytest.approx(statistics.stdev(scores), rel=1e-12)
    assert metric(agg("SUM", "score")) == pytest.approx(math.fsum(scores), rel=1e-12)
    assert metric(agg("PERCENTILE", "score", params={"percentile": 95})) == pytest.approx(
        sorted(scores)[37] + (sorted(scores)[38] - sorted(scores)[37]) * 0.05, rel=1e-12
    )

    table = widget(
        http,
        board["id"],
        title="t",
        type="table",
        query={
            "select": [
                {"expression": {"type": "COLUMN", "column": "group"}},
                agg("MIN", "score", "low"),
                agg("COUNT", "*", "n"),
            ],
            "groupBy": ["group"],
            "orderBy": [{"column": "low", "direction": "DESC"}],
        },
    )
    assert table["result"]["computed_result"] == {
        "type": "series",
        "data": [{"group": "odd", "low": 1 / 7, "n": 20}, {"group": "even", "low": 0.0, "n": 20}],
    }


def test_a_mean_of_values_past_a_square_root_of_a_double(http: httpx.Client) -> None:
    """PostgreSQL's avg() keeps a sum of squares beside the sum: past ~1.3e154 it failed the
    widget ("value out of range"), where SQLite gave the mean."""
    rows = [{"input": f"r{k}", "big": 1e200 * (k + 1), "small": k} for k in range(4)]
    evaluation = scored_evaluation(http, rows)
    board = dashboard(http, evaluation_id=evaluation["id"])
    for column, expected in (("big", 2.5e200), ("small", 1.5)):
        made = widget(
            http, board["id"], title="m", type="metric", query={"select": [agg("AVG", column)]}
        )
        assert made["result"]["computation_status"] == "completed", made["result"]
        assert made["result"]["computed_result"]["data"] == pytest.approx(expected, rel=1e-12)


def test_results_are_reused_until_the_cells_change(http: httpx.Client) -> None:
    evaluation = scored_evaluation(http, ROWS)
    board = dashboard(http, evaluation_id=evaluation["id"])
    made = widget(
        http, board["id"], title="avg", type="metric", query={"select": [agg("MAX", "score")]}
    )
    first = made["result"]
    path = f"{PATH}/{board['id']}"

    (again,) = ok(http.get(path, params={"views": "widget_results"}))["widget_results"]
    assert (again["id"], again["computed_at"]) == (first["id"], first["computed_at"])

    task = evaluation["tasks"][0]
    configuration = {**task["configuration"], "prefill_from": "big"}
    ok(
        http.patch(
            f"/v5/evaluations/{evaluation['id']}/tasks/score", json={"configuration": configuration}
        )
    )

    (fresh,) = ok(http.get(path, params={"views": "widget_results"}))["widget_results"]
    assert fresh["computed_at"] > first["computed_at"]
    assert fresh["computed_result"] == {"type": "metric", "data": max(r["big"] for r in ROWS)}
