"""Dashboards of an evaluation group: the rows are the union of the live members' items."""

from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta.types import EvaluationDashboard, EvaluationGroup

from tests.sgp07.dashboards.factories import (
    STATS,
    agg,
    col,
    evaluation,
    metric,
    numbers,
    rows,
    series,
)
from tests.sgp07.helpers import unique

FIRST, SECOND = rows(12), rows(9, offset=100.0)


def test_a_group_dashboard_reads_every_member(client: SGPClient) -> None:
    first = evaluation(client, FIRST)
    second = evaluation(client, SECOND)
    group = client.evaluation_groups.create(evaluation_ids=[first, second], name=unique("g"))
    board = client.evaluation_dashboards.create(name=unique("d"), evaluation_group_id=group.id)
    both = FIRST + SECOND

    assert metric(client, board.id, agg("COUNT", "*")) == 21
    got = metric(client, board.id, agg("AVG", "x"))
    assert got == pytest.approx(STATS["AVG"](numbers(both, "x")), rel=1e-12)
    # A subset of the members, and the most recent one only.
    assert metric(client, board.id, agg("COUNT", "*"), evaluation_ids=[first]) == 12
    assert metric(client, board.id, agg("COUNT", "*"), latest_only=True) == 9
    # Per-aggregation subsets, side by side.
    data = series(
        client,
        board.id,
        select=[
            agg("AVG", "score", "first", evaluation_ids=[first]),
            agg("AVG", "score", "second", evaluation_ids=[second]),
        ],
    )
    assert data[0]["first"] == pytest.approx(STATS["AVG"](numbers(FIRST, "s")), rel=1e-12)
    assert data[0]["second"] == pytest.approx(STATS["AVG"](numbers(SECOND, "s")), rel=1e-12)
    # Grouped by member: the rows' evaluation.
    by_member = series(
        client,
        board.id,
        select=[col("evaluation_id"), agg("COUNT", "*", "n")],
        groupBy=["evaluation_id"],
    )
    assert sorted((r["evaluation_id"], r["n"]) for r in by_member) == sorted(
        [(first, 12), (second, 9)]
    )


def test_ids_outside_the_group_and_latest_only_with_subsets_fail(client: SGPClient) -> None:
    first = evaluation(client, FIRST)
    outsider = evaluation(client, SECOND)
    group = client.evaluation_groups.create(evaluation_ids=[first], name=unique("g"))
    board = client.evaluation_dashboards.create(name=unique("d"), evaluation_group_id=group.id)

    widget = client.evaluation_dashboards.widgets.create(
        board.id,
        title="outside",
        type="metric",
        query={"select": [agg("COUNT", "*")], "evaluation_ids": [outsider]},  # type: ignore[list-item]
    )
    assert widget.result is not None and widget.result.computation_status == "failed"
    assert "query.evaluation_ids.0" in (widget.result.error_message or "")
    assert "not a live member" in (widget.result.error_message or "")


def test_a_member_removed_changes_the_result(client: SGPClient) -> None:
    first = evaluation(client, FIRST)
    second = evaluation(client, SECOND)
    group = client.evaluation_groups.create(evaluation_ids=[first, second], name=unique("g"))
    board = client.evaluation_dashboards.create(name=unique("d"), evaluation_group_id=group.id)
    widget = client.evaluation_dashboards.widgets.create(
        board.id,
        title="n",
        type="metric",
        query={"select": [agg("COUNT", "*")]},  # type: ignore[list-item]
    )
    assert widget.result is not None and widget.result.computed_result == {
        "type": "metric",
        "data": 21,
    }

    client.evaluation_groups.replace(group.id, evaluation_ids=[first])

    again = client.evaluation_dashboards.retrieve(board.id, views=["widget_results"])
    assert again.widget_results is not None
    (result,) = again.widget_results
    assert result.computed_result == {"type": "metric", "data": 12}
    assert (result.evaluation_group_id, result.evaluation_id) == (group.id, None)


def _keyed_second() -> list[dict[str, Any]]:
    """SECOND's rows under another key column: `qid` holds FIRST's keys, `input` its own."""
    out = []
    for k, row in enumerate(SECOND):
        out.append({**row, "input": f"second {k}", "qid": f"item {k}"})
    return out


def _keyed_board(
    client: SGPClient, row_identifiers: dict[str, str]
) -> tuple[EvaluationGroup, EvaluationDashboard]:
    """A group of the evaluations `row_identifiers` names, keyed by it, and a dashboard of it."""
    group = client.evaluation_groups.create(
        evaluation_ids=list(row_identifiers),
        name=unique("g"),
        row_identifiers=row_identifiers,
    )
    board = client.evaluation_dashboards.create(name=unique("d"), evaluation_group_id=group.id)
    return group, board


def test_row_identifiers_join_the_members_rows_on_their_key(client: SGPClient) -> None:
    second_rows = _keyed_second()
    first = evaluation(client, FIRST)
    second = evaluation(client, second_rows)
    group, board = _keyed_board(client, {first: "input", second: "qid"})
    query = {
        "select": [
            col("row_identifier", "key"),
            agg("AVG", "score", "first", evaluation_ids=[first]),
            agg("AVG", "score", "second", evaluation_ids=[second]),
            agg("COUNT", "*", "rows"),
        ],
        "groupBy": ["row_identifier"],
    }
    widget = client.evaluation_dashboards.widgets.create(
        board.id,
        title="side by side",
        type="table",
        query=query,  # type: ignore[arg-type]
    )
    assert widget.result is not None and widget.result.computation_status == "completed"
    got = {r["key"]: r for r in widget.result.computed_result["data"]}  # type: ignore[index]
    # One row per key: FIRST's 12 keys, 9 of which SECOND's rows share.
    assert sorted(got) == sorted(f"item {k}" for k in range(12))
    for k in range(12):
        row = got[f"item {k}"]
        assert row["first"] == pytest.approx(FIRST[k]["s"])
        assert row["second"] == (pytest.approx(second_rows[k]["s"]) if k < 9 else None)
        assert row["rows"] == (2 if k < 9 else 1)

    # New identifiers are a new join: the stored result is computed again.
    client.evaluation_groups.update(group.id, row_identifiers={first: "input", second: "input"})
    again = client.evaluation_dashboards.retrieve(board.id, views=["widget_results"])
    assert again.widget_results is not None
    (result,) = again.widget_results
    keys = {r["key"] for r in result.computed_result["data"]}  # type: ignore[index]
    assert len(keys) == 21 and "second 0" in keys

    # A member without an identifier has no key: its rows group under null.
    client.evaluation_groups.update(group.id, row_identifiers={first: "input"})
    widget = client.evaluation_dashboards.widgets.create(
        board.id,
        title="one keyed",
        type="table",
        query=query,  # type: ignore[arg-type]
    )
    assert widget.result is not None
    data = widget.result.computed_result["data"]  # type: ignore[index]
    assert {r["key"]: r["rows"] for r in data}[None] == 9


def test_a_row_identifier_that_is_not_a_column_fails_the_widget(client: SGPClient) -> None:
    first = evaluation(client, FIRST)
    second = evaluation(client, SECOND)
    _, board = _keyed_board(client, {first: "input", second: "no_such_field"})
    widget = client.evaluation_dashboards.widgets.create(
        board.id,
        title="t",
        type="table",
        query={  # type: ignore[arg-type]
            "select": [col("row_identifier"), agg("COUNT", "*", "n")],
            "groupBy": ["row_identifier"],
        },
    )
    assert widget.result is not None and widget.result.computation_status == "failed"
    message = widget.result.error_message or ""
    assert "'no_such_field'" in message and second in message
