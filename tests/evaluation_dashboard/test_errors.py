"""Bad input is a 4xx naming the field; other accounts' dashboards are unknown (404)."""

import httpx

from tests.evaluation_dashboard.factories import (
    MISSING,
    PATH,
    agg,
    dashboard,
    error,
    locs,
    ok,
    scored_evaluation,
    widget,
)


def test_bad_bodies_name_the_field(http: httpx.Client) -> None:
    evaluation = scored_evaluation(http, [{"input": "a", "s": 1}])
    board = dashboard(http, evaluation_id=evaluation["id"])
    widgets = f"{PATH}/{board['id']}/widgets"

    assert locs(http.post(PATH, json={"name": "x"})) == [["body", "evaluation_id"]]
    assert locs(http.post(PATH, json={"evaluation_id": evaluation["id"]})) == [["body", "name"]]
    assert locs(http.post(PATH, json={"name": "x", "evaluation_id": 5})) == [
        ["body", "evaluation_id"]
    ]
    assert locs(http.post(widgets, json={"title": "t", "type": "pie"})) == [["body", "type"]]
    assert locs(
        http.post(
            widgets,
            json={
                "title": "t",
                "type": "metric",
                "query": {
                    "select": [agg("COUNT", "*")],
                    "filter": {"conditions": [{"column": "s", "operator": "LIKE", "value": 3}]},
                },
            },
        )
    ) == [["body", "query", "filter", "conditions", 0, "value"]]
    assert locs(
        http.post(
            widgets,
            json={
                "title": "t",
                "type": "metric",
                "query": {"select": [agg("SUM", "*")]},
            },
        )
    ) == [["body", "query", "select", 0, "expression", "column"]]
    assert locs(
        http.post(
            widgets,
            json={
                "title": "t",
                "type": "table",
                "query": {"select": [agg("COUNT", "*", "n")], "orderBy": [{"column": "zzz"}]},
            },
        )
    ) == [["body", "query", "orderBy", 0, "column"]]
    assert locs(http.get(PATH, params={"evaluation_id": "a", "evaluation_group_id": "b"})) == [
        ["query", "evaluation_group_id"]
    ]


def test_unknown_ids_and_other_accounts_are_404(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    evaluation = scored_evaluation(http, [{"input": "a", "s": 1}])
    board = dashboard(http, evaluation_id=evaluation["id"])
    made = widget(http, board["id"], title="h", type="heading")
    mine = f"{PATH}/{board['id']}"

    error(http.get(f"{PATH}/{MISSING}"), 404)
    error(http.post(PATH, json={"name": "x", "evaluation_group_id": MISSING}), 404)
    error(http.delete(f"{mine}/widgets/{MISSING}"), 404)
    error(http.patch(f"{mine}/widgets/{MISSING}", json={"title": "x"}), 404)
    for response in (
        other_http.get(mine),
        other_http.patch(mine, json={"name": "x"}),
        other_http.delete(mine),
        other_http.post(f"{mine}/widgets", json={"title": "t", "type": "heading"}),
        other_http.delete(f"{mine}/widgets/{made['id']}"),
        other_http.post(PATH, json={"name": "x", "evaluation_id": evaluation["id"]}),
    ):
        error(response, 404)
    assert ok(other_http.get(PATH))["items"] == []

    removed = http.delete(f"{mine}/widgets/{made['id']}")
    assert (removed.status_code, removed.content) == (204, b"")
