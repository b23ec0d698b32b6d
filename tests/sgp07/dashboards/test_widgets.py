"""Widgets: type rules, results stored and reused, copy-on-write, removal."""

from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import NotFoundError, UnprocessableEntityError
from scale_gp_beta.types.evaluation_dashboards.evaluation_dashboard_widget_with_result import (
    EvaluationDashboardWidgetWithResult,
)

from tests.sgp07.dashboards.factories import STATS, agg, col, evaluation, numbers, rows
from tests.sgp07.helpers import error_locs, raw, unique

AVG_SCORE: dict[str, Any] = {"select": [agg("AVG", "score")]}


def board(client: SGPClient, data: list[dict[str, Any]] | None = None) -> tuple[str, str]:
    evaluation_id = evaluation(client, data or rows(10))
    return evaluation_id, client.evaluation_dashboards.create(
        name=unique("d"), evaluation_id=evaluation_id
    ).id


def test_type_rules(client: SGPClient) -> None:
    _, dashboard_id = board(client)
    create = client.evaluation_dashboards.widgets.create

    def locs(**fields: Any) -> list[list[Any]]:
        with pytest.raises(UnprocessableEntityError) as caught:
            create(dashboard_id, **fields)
        return error_locs(caught.value)

    assert locs(title="m", type="markdown") == [["body", "config", "content"]]
    assert locs(title="b", type="bar", query=AVG_SCORE) == [["body", "config"]]
    assert locs(
        title="b", type="bar", config={"x_column": "a", "x_column_group": "b"}, query=AVG_SCORE
    ) == [["body", "config"]]
    assert locs(title="t", type="table") == [["body", "query"]]
    assert locs(title="", type="heading") == [["body", "title"]]
    assert locs(title="m", type="metric", query={"select": [col("cat")]}) == [
        ["body", "query", "select"]
    ]
    assert locs(
        title="m", type="metric", query={"select": [agg("COUNT", "*")], "groupBy": ["cat"]}
    ) == [["body", "query", "groupBy"]]
    assert locs(title="p", type="metric", query={"select": [agg("PERCENTILE", "x")]}) == [
        ["body", "query", "select", 0, "expression", "params", "percentile"]
    ]
    assert locs(
        title="f",
        type="metric",
        query={
            "select": [agg("COUNT", "*")],
            "filter": {
                "conditions": [{"column": "x", "operator": ">", "value": 1}],
                "logicalOperators": ["AND"],
            },
        },
    ) == [["body", "query", "filter", "logicalOperators"]]
    assert locs(title="t", type="table", query={"select": [col("cat"), agg("COUNT", "*")]}) == [
        ["body", "query", "select", 0, "expression", "column"]
    ]
    # Accepted: markdown with content, a heading, bar with x_column.
    assert (
        create(dashboard_id, title="notes", type="markdown", config={"content": "hi"}).result
        is None
    )
    assert create(dashboard_id, title="Part 1", type="heading").result is None
    bar = create(
        dashboard_id,
        title="by cat",
        type="bar",
        config={"x_column": "cat"},
        query={"select": [col("cat"), agg("COUNT", "*", "n")], "groupBy": ["cat"]},
    )
    assert bar.result is not None and bar.result.computed_result == {
        "type": "series",
        "data": [{"cat": "a", "n": 4}, {"cat": "b", "n": 3}, {"cat": "c", "n": 3}],
    }


def test_results_are_stored_reused_and_recomputed_when_results_change(client: SGPClient) -> None:
    evaluation_id, dashboard_id = board(client)
    data = rows(10)
    widget = client.evaluation_dashboards.widgets.create(
        dashboard_id, title="avg", type="metric", query=AVG_SCORE
    )  # type: ignore[arg-type]
    assert widget.result is not None
    first = widget.result
    assert first.computed_result == {
        "type": "metric",
        "data": pytest.approx(STATS["AVG"](numbers(data, "s"))),
    }

    shown = client.evaluation_dashboards.retrieve(dashboard_id, views=["widget_results"])
    (stored,) = shown.widget_results or []
    assert (stored.id, stored.computed_at) == (first.id, first.computed_at)  # reused

    # A title change keeps the result.
    renamed = client.evaluation_dashboards.widgets.update(
        widget.id, dashboard_id=dashboard_id, title="mean"
    )
    assert renamed.title == "mean" and renamed.result is not None
    assert renamed.result.computed_at == first.computed_at

    # The cells change (the task now prefills from `x`): the next read computes again.
    task = client.evaluations.retrieve(evaluation_id, views=["tasks"]).tasks[0]  # type: ignore[index]
    configuration = dict(task.configuration)  # type: ignore[union-attr]
    configuration["prefill_from"] = "x"
    client.evaluations.tasks.update(
        "score", evaluation_id=evaluation_id, configuration=configuration
    )
    again = client.evaluation_dashboards.retrieve(dashboard_id, views=["widget_results"])
    (fresh,) = again.widget_results or []
    assert fresh.computed_at is not None and first.computed_at is not None
    assert fresh.computed_at > first.computed_at
    assert fresh.computed_result == {
        "type": "metric",
        "data": pytest.approx(STATS["AVG"](numbers(data, "x"))),
    }

    # A new query is computed at once.
    changed = client.evaluation_dashboards.widgets.update(
        widget.id,
        dashboard_id=dashboard_id,
        query={"select": [agg("MAX", "x")]},  # type: ignore[list-item]
    )
    assert changed.id == widget.id
    assert changed.result is not None and changed.result.computed_result == {
        "type": "metric",
        "data": 11.25,
    }


def test_an_update_naming_an_unknown_column_is_refused(client: SGPClient) -> None:
    _, dashboard_id = board(client)
    widget = client.evaluation_dashboards.widgets.create(
        dashboard_id, title="avg", type="metric", query=AVG_SCORE
    )  # type: ignore[arg-type]
    with pytest.raises(UnprocessableEntityError) as caught:
        client.evaluation_dashboards.widgets.update(
            widget.id,
            dashboard_id=dashboard_id,
            query={"select": [agg("AVG", "nope")]},  # type: ignore[list-item]
        )
    assert error_locs(caught.value) == [["body", "query", "select", 0, "expression", "column"]]
    assert "nope" in str(caught.value.body)
    kept = client.evaluation_dashboards.retrieve(dashboard_id, views=["widgets"])
    assert (kept.widgets or [])[0].query.select[0].expression.column == "score"  # type: ignore[union-attr]


def _shared_widget(client: SGPClient) -> tuple[EvaluationDashboardWidgetWithResult, str, str]:
    """An `avg` metric widget on a dashboard (`first`) and, through it as a template, on a
    second one: (widget, first, second)."""
    evaluation_id, first = board(client)
    widget = client.evaluation_dashboards.widgets.create(
        first, title="avg", type="metric", query=AVG_SCORE
    )  # type: ignore[arg-type]
    second = client.evaluation_dashboards.create(
        name=unique("d"), evaluation_id=evaluation_id, template_dashboard_id=first
    ).id
    return widget, first, second


def test_a_shared_widget_is_copied_on_write(client: SGPClient) -> None:
    widget, first, second = _shared_widget(client)

    changed = client.evaluation_dashboards.widgets.update(
        widget.id,
        dashboard_id=second,
        title="count",
        query={"select": [agg("COUNT", "*")]},  # type: ignore[list-item]
    )
    assert changed.id != widget.id
    assert changed.result is not None and changed.result.computed_result == {
        "type": "metric",
        "data": 10,
    }
    assert client.evaluation_dashboards.retrieve(second).widget_order == [changed.id]
    untouched = client.evaluation_dashboards.retrieve(first, views=["widgets", "widget_results"])
    assert untouched.widget_order == [widget.id]
    assert [w.title for w in untouched.widgets or []] == ["avg"]
    # Now shown by one dashboard only, the copy changes in place.
    again = client.evaluation_dashboards.widgets.update(
        changed.id, dashboard_id=second, title="rows"
    )
    assert again.id == changed.id and again.title == "rows"


def test_an_update_that_changes_nothing_leaves_a_shared_widget_shared(client: SGPClient) -> None:
    widget, first, second = _shared_widget(client)

    same = client.evaluation_dashboards.widgets.update(
        widget.id, dashboard_id=second, title="avg", extra_body={"type": "bar"}
    )

    assert same.id == widget.id and same.type == "metric"
    for dashboard_id in (first, second):
        assert client.evaluation_dashboards.retrieve(dashboard_id).widget_order == [widget.id]


def test_remove_detaches_and_answers_204(client: SGPClient) -> None:
    _, dashboard_id = board(client)
    keep = client.evaluation_dashboards.widgets.create(dashboard_id, title="a", type="heading")
    gone = client.evaluation_dashboards.widgets.create(dashboard_id, title="b", type="heading")
    response = client.evaluation_dashboards.widgets.with_raw_response.remove(
        gone.id, dashboard_id=dashboard_id
    )
    assert response.http_response.status_code == 204
    assert client.evaluation_dashboards.retrieve(dashboard_id).widget_order == [keep.id]
    with pytest.raises(NotFoundError):
        client.evaluation_dashboards.widgets.remove(gone.id, dashboard_id=dashboard_id)
    with pytest.raises(NotFoundError):
        client.evaluation_dashboards.widgets.update(gone.id, dashboard_id=dashboard_id, title="x")
    # The widget itself stays: it can be put back by reordering.
    back = client.evaluation_dashboards.update(dashboard_id, widget_order=[gone.id, keep.id])
    assert back.widget_order == [gone.id, keep.id]


def test_a_query_is_shown_as_sent(client: SGPClient) -> None:
    _, dashboard_id = board(client)
    query = {
        "select": [col("cat"), agg("AVG", "x", "avg_x")],
        "groupBy": ["cat"],
        "orderBy": [{"column": "avg_x", "direction": "DESC"}],
        "filter": {
            "conditions": [
                {"column": "x", "operator": ">", "value": 1},
                {"column": "cat", "operator": "IN", "value": ["a", "b"]},
            ],
            "logicalOperators": ["AND"],
        },
        "limit": 5,
    }
    widget = client.evaluation_dashboards.widgets.create(
        dashboard_id, title="t", type="table", query=query
    )  # type: ignore[arg-type]
    with raw(client) as http:
        body = http.get(
            f"/v5/evaluation-dashboards/{dashboard_id}", params={"views": "widgets"}
        ).json()
    assert body["widgets"][0]["query"] == query
    assert widget.query is not None and widget.query.group_by == ["cat"]  # type: ignore[union-attr]
