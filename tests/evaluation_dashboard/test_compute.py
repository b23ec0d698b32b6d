"""Widgets computed by the database, the same answers on SQLite and PostgreSQL."""

import math
import statistics
import uuid
from typing import Any

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
        assert made["result"]["computation_status"] == "completed", made["result"]["error_message"]
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
        assert made["result"]["computation_status"] == "completed", made["result"]["error_message"]
        assert made["result"]["computed_result"]["data"] == pytest.approx(expected, rel=1e-12)


def test_a_large_mean_next_to_a_small_spread_keeps_its_digits(http: httpx.Client) -> None:
    """The mean's sum of 1e15 + 0..3 kept none of the small parts, and VARIANCE read 3.50
    (STDDEV 1.87) for 1.25 (1.12). AVG is the plain sum over the count: its error stays in its
    last bits (1e15 for 1e15 + 1.5)."""
    rows = [{"input": f"r{k}", "s": 1e15 + k % 4, "half": "ab"[k % 2]} for k in range(400)]
    evaluation = scored_evaluation(http, rows)
    board = dashboard(http, evaluation_id=evaluation["id"])
    values = [r["s"] for r in rows]
    exact = {
        "AVG": statistics.fmean(values),
        "VARIANCE": statistics.variance(values),
        "STDDEV": statistics.stdev(values),
    }
    for function, expected in exact.items():
        made = widget(
            http, board["id"], title="m", type="metric", query={"select": [agg(function, "score")]}
        )
        assert made["result"]["computed_result"]["data"] == pytest.approx(expected, rel=1e-13)
    grouped = widget(
        http,
        board["id"],
        title="t",
        type="table",
        query={
            "select": [
                {"expression": {"type": "COLUMN", "column": "half"}},
                agg("AVG", "score", "mean"),
                agg("VARIANCE", "score", "var"),
            ],
            "groupBy": ["half"],
        },
    )
    halves = [[v for k, v in enumerate(values) if k % 2 == side] for side in (0, 1)]
    assert grouped["result"]["computed_result"]["data"] == [
        {
            "half": half,
            "mean": pytest.approx(statistics.fmean(part), rel=1e-13),
            "var": pytest.approx(statistics.variance(part), rel=1e-12),
        }
        for half, part in zip("ab", halves, strict=True)
    ]


def test_groups_tell_values_apart_by_their_json_text(http: httpx.Client) -> None:
    """As written: 1, 1.0 and "1" are three groups and three distinct values (a filter `= 1`
    takes both numbers); 0.0 and -0.0 keep their signs (a bulk insert once stored the second
    as the first)."""
    values = [1, 1.0, "1", 0.0, -0.0]
    rows = [{"input": f"r{k}", "s": value} for k, value in enumerate(values)]
    evaluation = scored_evaluation(http, rows)
    board = dashboard(http, evaluation_id=evaluation["id"])
    distinct = widget(
        http,
        board["id"],
        title="d",
        type="metric",
        query={"select": [agg("COUNT_DISTINCT", "score")]},
    )
    assert distinct["result"]["computed_result"]["data"] == 5
    groups = widget(
        http,
        board["id"],
        title="g",
        type="table",
        query={
            "select": [{"expression": {"type": "COLUMN", "column": "score"}}],
            "groupBy": ["score"],
        },
    )
    shown = [row["score"] for row in groups["result"]["computed_result"]["data"]]
    assert [(type(v), math.copysign(1, v) if isinstance(v, float) else v) for v in shown] == [
        (float, -1),
        (float, 1),
        (int, 1),
        (float, 1),
        (str, "1"),
    ]


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


def _prefilled(http: httpx.Client, rows: list[dict[str, Any]], aliases: list[str]) -> str:
    """An evaluation whose tasks `aliases` are prefilled from each row's `p_<alias>`."""
    question = ok(
        http.post(
            "/v5/questions",
            json={"name": f"q-{uuid.uuid4().hex}", "prompt": "?", "question_type": "free_text"},
        )
    )
    tasks = [
        {
            "task_type": "contributor_evaluation.question",
            "alias": alias,
            "configuration": {
                "question_id": question["id"],
                "layout": {"children": [{"data": "item.x"}]},
                "prefill_from": f"p_{alias}",
            },
        }
        for alias in aliases
    ]
    created = ok(http.post("/v5/evaluations", json={"name": "m", "data": rows, "tasks": tasks}))
    evaluation_id: str = created["id"]
    return evaluation_id


def test_a_members_row_identifier_is_a_column_of_its_own_rows(http: httpx.Client) -> None:
    """`qid` is an input of one member and a task's result in the other: resolved among the
    whole group's fields it read the input on both, and the second member's rows all fell
    under a null key, never joined."""
    a = _prefilled(
        http, [{"x": 1, "qid": "k1", "p_score": 1}, {"x": 2, "qid": "k2", "p_score": 2}], ["score"]
    )
    b = _prefilled(
        http,
        [{"x": 1, "p_score": 3, "p_qid": "k1"}, {"x": 2, "p_score": 5, "p_qid": "k2"}],
        ["score", "qid"],
    )
    group = ok(
        http.post(
            "/v5/evaluation-groups",
            json={"name": "g", "evaluation_ids": [a, b], "row_identifiers": {a: "qid", b: "qid"}},
        )
    )
    board = dashboard(http, evaluation_group_id=group["id"])
    made = widget(
        http,
        board["id"],
        title="t",
        type="table",
        query={
            "select": [
                {"expression": {"type": "COLUMN", "column": "row_identifier"}, "alias": "q"},
                agg("AVG", "score", "a", evaluation_ids=[a]),
                agg("AVG", "score", "b", evaluation_ids=[b]),
            ],
            "groupBy": ["row_identifier"],
        },
    )
    assert made["result"]["computed_result"]["data"] == [
        {"q": "k1", "a": 1.0, "b": 3.0},
        {"q": "k2", "a": 2.0, "b": 5.0},
    ]


def test_filters_tell_integers_past_2_53_apart(http: httpx.Client) -> None:
    """Filters compared numbers as doubles: `uid = 2**53 + 1` counted 2**53 too, and
    `uid > 2**53` missed 2**53 + 1. An input column and a whole cell alike."""
    values = [2**53, 2**53 + 1, 2**63 - 1, 2**63 - 2]
    rows = [{"input": f"r{k}", "uid": v, "s": v} for k, v in enumerate(values)]
    board = dashboard(http, evaluation_id=scored_evaluation(http, rows)["id"])

    def count(column: str, operator: str, value: int) -> object:
        query = {
            "select": [agg("COUNT", "*")],
            "filter": {"conditions": [{"column": column, "operator": operator, "value": value}]},
        }
        made = widget(http, board["id"], title="n", type="metric", query=query)
        assert made["result"]["computation_status"] == "completed", made["result"]["error_message"]
        return made["result"]["computed_result"]["data"]

    for column in ("uid", "score"):
        assert count(column, "=", 2**53 + 1) == 1
        assert count(column, "=", 2**63 - 2) == 1
        assert count(column, ">", 2**53) == 3
        assert count(column, "<", 2**63 - 1) == 3
        assert count(column, "!=", 2**53) == 3
        assert count(column, ">=", 1.5) == 4  # floats compare as before
