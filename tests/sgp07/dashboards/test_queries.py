"""What widgets compute, through the 0.7.0 client, checked against the same statistics done
in Python over the rows (factories.py). One evaluation and dashboard for the module."""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from scale_gp_beta import SGPClient

from tests.conftest import make_client
from tests.fixtures.server import Server
from tests.sgp07.dashboards.factories import (
    STATS,
    agg,
    col,
    evaluation,
    metric,
    numbers,
    percentile,
    rows,
    series,
)
from tests.sgp07.helpers import unique

ROWS = rows()


@dataclass(frozen=True)
class Board:
    client: SGPClient
    evaluation_id: str
    dashboard_id: str


@pytest.fixture(scope="module")
def board(server: Server) -> Iterator[Board]:
    client = make_client(server)
    evaluation_id = evaluation(client, ROWS)
    dashboard = client.evaluation_dashboards.create(name=unique("d"), evaluation_id=evaluation_id)
    yield Board(client, evaluation_id, dashboard.id)


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(abs(a - b) <= 1e-9 * max(1.0, abs(b)))


@pytest.mark.parametrize("function", sorted(STATS))
@pytest.mark.parametrize(("column", "key"), [("x", "x"), ("score", "s"), ("n", "n")])
def test_numeric_aggregations_match_python(
    board: Board, function: str, column: str, key: str
) -> None:
    got = metric(board.client, board.dashboard_id, agg(function, column))
    assert close(got, STATS[function](numbers(ROWS, key))), (function, column, got)


@pytest.mark.parametrize("p", [0, 25, 50, 90, 100, 33.3])
def test_percentiles_interpolate_like_percentile_cont(board: Board, p: float) -> None:
    for column, key in (("x", "x"), ("score", "s")):
        got = metric(
            board.client, board.dashboard_id, agg("PERCENTILE", column, params={"percentile": p})
        )
        assert close(got, percentile(numbers(ROWS, key), p)), (column, p, got)


def test_counts(board: Board) -> None:
    c, d = board.client, board.dashboard_id
    with_v = [r for r in ROWS if "v" in r]
    assert metric(c, d, agg("COUNT", "*")) == len(ROWS)
    assert metric(c, d, agg("COUNT", "_")) == len(ROWS)
    assert metric(c, d, agg("COUNT", "n")) == sum("n" in r for r in ROWS)
    assert metric(c, d, agg("COUNT", "verdict")) == len(with_v)
    assert metric(c, d, agg("COUNT_DISTINCT", "cat")) == 3
    assert metric(c, d, agg("COUNT_DISTINCT", "n")) == len({r["n"] for r in ROWS if "n" in r})
    assert metric(c, d, agg("COUNT_DISTINCT", "verdict")) == 2


def test_percentage_is_a_share_of_rows_or_of_values(board: Board) -> None:
    c, d = board.client, board.dashboard_id
    flagged = {"conditions": [{"column": "flag", "operator": "=", "value": True}]}
    got = metric(c, d, agg("PERCENTAGE", "*", params={"percentage_filters": flagged}))
    assert close(got, 100 * sum(r["flag"] for r in ROWS) / len(ROWS))
    yes = {"conditions": [{"column": "verdict", "operator": "=", "value": "yes"}]}
    got = metric(c, d, agg("PERCENTAGE", "verdict", params={"percentage_filters": yes}))
    with_v = [r for r in ROWS if "v" in r]
    assert close(got, 100 * sum(r["v"] == "yes" for r in with_v) / len(with_v))


def _predicate(op: str, value: Any) -> Callable[[Any], bool]:
    def present(v: Any) -> bool:
        return v is not None

    return {
        "=": lambda v: present(v) and v == value,
        "!=": lambda v: present(v) and v != value,
        ">": lambda v: present(v) and v > value,
        "<": lambda v: present(v) and v < value,
        ">=": lambda v: present(v) and v >= value,
        "<=": lambda v: present(v) and v <= value,
        "IN": lambda v: present(v) and v in value,
        "NOT IN": lambda v: present(v) and v not in value,
        "IS NULL": lambda v: v is None,
        "IS NOT NULL": lambda v: v is not None,
    }[op]


@pytest.mark.parametrize(
    ("column", "key", "op", "value"),
    [
        ("x", "x", ">", 10),
        ("x", "x", "<", 10),
        ("x", "x", ">=", 12.5),
        ("x", "x", "<=", 12.5),
        ("n", "n", "=", 3),
        ("n", "n", "!=", 3),
        ("n", "n", "IN", [1, 2]),
        ("n", "n", "NOT IN", [1, 2]),
        ("n", "n", "IS NULL", None),
        ("n", "n", "IS NOT NULL", None),
        ("cat", "cat", "=", "b"),
        ("cat", "cat", "!=", "b"),
        ("cat", "cat", ">", "a"),
        ("verdict", "v", "=", "no"),
        ("verdict", "v", "IS NULL", None),
        ("score", "s", ">=", 0.5),
        ("flag", "flag", "=", True),
        ("meta.lang", None, "=", "en"),
    ],
)
def test_each_operator_matches_python(
    board: Board, column: str, key: str | None, op: str, value: Any
) -> None:
    condition: dict[str, Any] = {"column": column, "operator": op}
    if value is not None:
        condition["value"] = value

    def read(row: dict[str, Any]) -> Any:
        return row["meta"]["lang"] if key is None else row.get(key)

    expected = sum(_predicate(op, value)(read(r)) for r in ROWS)
    got = metric(
        board.client, board.dashboard_id, agg("COUNT", "*"), filter={"conditions": [condition]}
    )
    assert got == expected


def test_like_is_case_sensitive_with_two_wildcards(board: Board) -> None:
    c, d = board.client, board.dashboard_id

    def count(op: str, pattern: str) -> Any:
        condition = {"column": "input", "operator": op, "value": pattern}
        return metric(c, d, agg("COUNT", "*"), filter={"conditions": [condition]})

    assert count("LIKE", "item 1%") == sum(r["input"].startswith("item 1") for r in ROWS)
    assert count("LIKE", "item _") == 10
    assert count("LIKE", "ITEM%") == 0
    assert count("NOT LIKE", "%5") == sum(not r["input"].endswith("5") for r in ROWS)


def test_logical_operators_apply_left_to_right(board: Board) -> None:
    # a OR b AND c is (a OR b) AND c, not a OR (b AND c).
    conditions = [
        {"column": "cat", "operator": "=", "value": "a"},
        {"column": "cat", "operator": "=", "value": "b"},
        {"column": "flag", "operator": "=", "value": True},
    ]
    got = metric(
        board.client,
        board.dashboard_id,
        agg("COUNT", "*"),
        filter={"conditions": conditions, "logicalOperators": ["OR", "AND"]},
    )
    expected = sum((r["cat"] in ("a", "b")) and r["flag"] for r in ROWS)
    assert got == expected
    assert expected != sum(r["cat"] == "a" or (r["cat"] == "b" and r["flag"]) for r in ROWS)


def test_group_by_order_by_and_limit(board: Board) -> None:
    data = series(
        board.client,
        board.dashboard_id,
        select=[col("cat"), agg("AVG", "score", "avg"), agg("COUNT", "*", "count")],
        groupBy=["cat"],
        orderBy=[{"column": "avg", "direction": "DESC"}],
        limit=2,
    )
    expected = sorted(
        (
            {
                "cat": cat,
                "avg": STATS["AVG"](numbers([r for r in ROWS if r["cat"] == cat], "s")),
                "count": sum(r["cat"] == cat for r in ROWS),
            }
            for cat in ("a", "b", "c")
        ),
        key=lambda row: -row["avg"],
    )[:2]
    assert [(r["cat"], r["count"]) for r in data] == [(e["cat"], e["count"]) for e in expected]
    assert all(close(r["avg"], e["avg"]) for r, e in zip(data, expected, strict=True))


def test_group_by_a_task_result_keeps_the_rows_without_one(board: Board) -> None:
    data = series(
        board.client,
        board.dashboard_id,
        select=[col("verdict"), agg("COUNT", "*", "n")],
        groupBy=["verdict"],
    )
    counted = Counter(r.get("v") for r in ROWS)
    # Default order: by the key, nulls last.
    assert data == [
        {"verdict": "no", "n": counted["no"]},
        {"verdict": "yes", "n": counted["yes"]},
        {"verdict": None, "n": counted[None]},
    ]


def test_raw_rows_are_the_items_with_their_results(board: Board) -> None:
    data = series(
        board.client,
        board.dashboard_id,
        select=[col("input"), col("meta.lang", "lang"), col("score"), col("meta")],
        filter={"conditions": [{"column": "cat", "operator": "=", "value": "c"}]},
        orderBy=[{"column": "x", "direction": "DESC"}],
        limit=3,
    )
    expected = sorted((r for r in ROWS if r["cat"] == "c"), key=lambda r: -r["x"])[:3]
    assert data == [
        {"input": r["input"], "lang": r["meta"]["lang"], "score": r["s"], "meta": r["meta"]}
        for r in expected
    ]


def test_a_column_named_with_its_source(board: Board) -> None:
    got = metric(board.client, board.dashboard_id, agg("MAX", "s", source="data"))
    assert close(got, max(numbers(ROWS, "s")))
    widget = board.client.evaluation_dashboards.widgets.create(
        board.dashboard_id,
        title="wrong source",
        type="metric",
        query={"select": [agg("MAX", "s", source="task_result_cache")]},  # type: ignore[list-item]
    )
    assert widget.result is not None and widget.result.computation_status == "failed"
    assert "unknown column 's' in source 'task_result_cache'" in (widget.result.error_message or "")


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        # A number string compares with strings as text and with numbers by value, as `=` does.
        (">=", "2", ["2", "3", 2, 10]),
        ("<", "2", ["10", 1]),
        ("=", "2", ["2", 2]),
        # A number compares with numbers only.
        (">=", 2, [2, 10]),
        # Any other string with strings only ("3" > "2x"; "2" and "10" sort before it).
        (">", "2x", ["3"]),
        # Nor does a string equal a boolean, an array or an object by its JSON text.
        ("=", "true", []),
        ("=", "[1]", []),
    ],
)
def test_a_number_string_orders_strings_and_numbers(
    server: Server, op: str, value: Any, expected: list[Any]
) -> None:
    """`>=` with "2" compared numbers only, skipping the strings "2" and "3" that `=` matched."""
    client = make_client(server)
    stored: list[Any] = ["2", "3", "10", 1, 2, 10, True, [1]]
    data = [{"input": f"i{i}", "k": v} for i, v in enumerate(stored)]
    evaluation_id = evaluation(client, data)
    dashboard = client.evaluation_dashboards.create(name=unique("d"), evaluation_id=evaluation_id)
    condition = {"column": "k", "operator": op, "value": value}
    got = metric(client, dashboard.id, agg("COUNT", "*"), filter={"conditions": [condition]})
    assert got == len(expected)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_group_keys_of_one_text_order_the_same_on_both_databases(
    server: Server, direction: str
) -> None:
    """The boolean true and the string "true" sort as one text: their JSON texts break the tie,
    in code point order (`"true"` before `true`), where PostgreSQL and SQLite once differed."""
    client = make_client(server)
    stored: list[Any] = [True, "true", "Zebra", "zebra", "_x", "éclair", 2, "2", False]
    data = [{"input": f"i{i}", "k": v} for i, v in enumerate(stored)]
    evaluation_id = evaluation(client, data)
    dashboard = client.evaluation_dashboards.create(name=unique("d"), evaluation_id=evaluation_id)
    rows = series(
        client,
        dashboard.id,
        select=[col("k"), {**agg("COUNT", "*"), "alias": "n"}],
        groupBy=["k"],
        orderBy=[{"column": "k", "direction": direction}],
    )
    # Numbers by value first, then texts by code point; a tie of texts by its JSON, ascending.
    expected = [2, "2", "Zebra", "_x", False, "true", True, "zebra", "éclair"]
    if direction == "DESC":
        expected = [2, "éclair", "zebra", "true", True, False, "_x", "Zebra", "2"]
    assert [row["k"] for row in rows] == expected
