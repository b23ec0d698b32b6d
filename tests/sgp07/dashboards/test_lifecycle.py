"""Dashboards through every 0.7.0 client method: create, list, retrieve, update, archive."""

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import BadRequestError, NotFoundError, UnprocessableEntityError

from tests.sgp07.dashboards.factories import agg, evaluation, rows
from tests.sgp07.helpers import assert_identity, error_locs, unique


def test_create_retrieve_update_archive(client: SGPClient) -> None:
    evaluation_id = evaluation(client, rows(6))
    created = client.evaluation_dashboards.create(
        name="quality", description="first", evaluation_id=evaluation_id, tags=["Prod", "nightly"]
    )
    assert created.object == "evaluation_dashboard"
    assert (created.name, created.description, created.tags) == (
        "quality",
        "first",
        ["Prod", "nightly"],
    )
    assert (created.evaluation_id, created.evaluation_group_id) == (evaluation_id, None)
    assert created.widget_order == [] and created.archived_at is None
    assert created.created_by.object == "identity" and created.created_by.type == "user"
    assert created.account_id == "acct-a"

    plain = client.evaluation_dashboards.retrieve(created.id)
    assert plain.id == created.id
    raw = client.evaluation_dashboards.with_raw_response.retrieve(created.id).http_response.json()
    assert "widgets" not in raw and "widget_results" not in raw  # keys omitted without views

    updated = client.evaluation_dashboards.update(created.id, name="quality v2", tags=["x"])
    assert (updated.name, updated.tags, updated.description) == ("quality v2", ["x"], "first")
    assert updated.updated_at >= created.updated_at

    archived = client.evaluation_dashboards.archive(created.id)
    assert archived.archived_at is not None
    with pytest.raises(NotFoundError):
        client.evaluation_dashboards.retrieve(created.id)
    assert client.evaluation_dashboards.retrieve(created.id, include_archived=True).archived_at
    with pytest.raises(NotFoundError):  # an archived dashboard cannot change (SGP: not found)
        client.evaluation_dashboards.update(created.id, name="again")
    with pytest.raises(NotFoundError):
        client.evaluation_dashboards.archive(created.id)
    with pytest.raises(NotFoundError):
        client.evaluation_dashboards.widgets.create(created.id, title="t", type="heading")


def test_tags_and_search_fold_letters_outside_ascii(client: SGPClient) -> None:
    """As PostgreSQL folds them, on SQLite too (whose lower() folds ASCII letters only)."""
    tag = unique("Ärger-Σ")
    made = client.evaluation_dashboards.create(
        name=unique("École"), evaluation_id=evaluation(client, rows(1)), tags=[tag]
    )

    assert [d.id for d in client.evaluation_dashboards.list(tags=[tag.lower()])] == [made.id]
    assert [d.id for d in client.evaluation_dashboards.list(search=tag.lower())] == [made.id]
    assert [d.id for d in client.evaluation_dashboards.list(search=made.name.lower())] == [made.id]


def test_list_filters_and_pages(client: SGPClient) -> None:
    evaluation_id = evaluation(client, rows(3))
    other_evaluation = evaluation(client, rows(3))
    group = client.evaluation_groups.create(evaluation_ids=[other_evaluation], name=unique("g"))
    tag = unique("Tag")
    made = [
        client.evaluation_dashboards.create(
            name=f"alpha {i}", evaluation_id=evaluation_id, tags=[tag]
        )
        for i in range(3)
    ]
    on_group = client.evaluation_dashboards.create(
        name=unique("beta"), evaluation_group_id=group.id, tags=[tag]
    )
    client.evaluation_dashboards.archive(made[0].id)

    def ids(**params: object) -> list[str]:
        return [d.id for d in client.evaluation_dashboards.list(**params)]  # type: ignore[arg-type]

    # Case-insensitive tags; newest first; archived left out unless asked.
    assert ids(tags=[tag.upper()]) == [on_group.id, made[2].id, made[1].id]
    assert ids(tags=[tag], include_archived=True)[-1] == made[0].id
    assert ids(evaluation_id=evaluation_id) == [made[2].id, made[1].id]
    assert ids(evaluation_group_id=group.id) == [on_group.id]
    assert ids(search=tag.lower()[:8], tags=[tag]) == [on_group.id, made[2].id, made[1].id]
    assert ids(search="ALPHA 2", tags=[tag]) == [made[2].id]
    assert ids(tags=[tag], sort_by="name", sort_order="asc") == [
        made[1].id,
        made[2].id,
        on_group.id,
    ]
    creator = made[1].created_by.id
    assert ids(tags=[tag], created_by_ids=[creator]) == [on_group.id, made[2].id, made[1].id]
    assert ids(tags=[tag], created_by_ids=["nobody"]) == []
    # Paged two at a time by cursor, as the client's auto-pager does.
    assert [d.id for d in client.evaluation_dashboards.list(tags=[tag], limit=1)] == [
        on_group.id,
        made[2].id,
        made[1].id,
    ]
    page = client.evaluation_dashboards.list(tags=[tag], limit=2)
    assert page.has_more and len(page.items) == 2
    raw = client.evaluation_dashboards.with_raw_response.list(tags=[tag]).http_response.json()
    assert all("widgets" not in item for item in raw["items"])

    with pytest.raises(UnprocessableEntityError) as both:
        client.evaluation_dashboards.list(evaluation_id=evaluation_id, evaluation_group_id=group.id)
    assert error_locs(both.value) == [["query", "evaluation_group_id"]]


def test_template_copies_the_order_and_computes_for_the_new_target(client: SGPClient) -> None:
    first = evaluation(client, rows(6))
    second = evaluation(client, rows(9))
    template = client.evaluation_dashboards.create(name=unique("tpl"), evaluation_id=first)
    count = client.evaluation_dashboards.widgets.create(
        template.id,
        title="n",
        type="metric",
        query={"select": [agg("COUNT", "*")]},  # type: ignore[list-item]
    )
    note = client.evaluation_dashboards.widgets.create(
        template.id, title="notes", type="markdown", config={"content": "# hi"}
    )
    assert note.result is None

    copy = client.evaluation_dashboards.create(
        name=unique("copy"), evaluation_id=second, template_dashboard_id=template.id
    )
    assert copy.widget_order == [count.id, note.id]

    shown = client.evaluation_dashboards.retrieve(copy.id, views=["widgets", "widget_results"])
    assert [w.id for w in shown.widgets or []] == [count.id, note.id]
    assert [w.type for w in shown.widgets or []] == ["metric", "markdown"]
    (result,) = shown.widget_results or []
    assert result.object == "evaluation_dashboard_widget_result"
    assert (result.widget_id, result.evaluation_id) == (count.id, second)
    assert result.computed_result == {"type": "metric", "data": 9}
    # The template still computes on its own evaluation.
    original = client.evaluation_dashboards.retrieve(template.id, views=["widget_results"])
    assert [r.computed_result for r in original.widget_results or []] == [
        {"type": "metric", "data": 6}
    ]


def test_create_and_update_refuse_bad_fields(client: SGPClient) -> None:
    evaluation_id = evaluation(client, rows(3))
    group = client.evaluation_groups.create(evaluation_ids=[evaluation_id], name=unique("g"))

    def locs(call: object) -> list[list[object]]:
        with pytest.raises(UnprocessableEntityError) as caught:
            call()  # type: ignore[operator]
        return error_locs(caught.value)

    create = client.evaluation_dashboards.create
    assert locs(lambda: create(name="x")) == [["body", "evaluation_id"]]
    assert locs(
        lambda: create(name="x", evaluation_id=evaluation_id, evaluation_group_id=group.id)
    ) == [["body", "evaluation_group_id"]]
    assert locs(lambda: create(name="", evaluation_id=evaluation_id)) == [["body", "name"]]
    assert locs(lambda: create(name="x" * 257, evaluation_id=evaluation_id)) == [["body", "name"]]
    assert locs(lambda: create(name="x", evaluation_id=evaluation_id, widget_order=["nope"])) == [
        ["body", "widget_order", 0]
    ]
    board = create(name="x", evaluation_id=evaluation_id)
    widget = client.evaluation_dashboards.widgets.create(board.id, title="h", type="heading")
    assert locs(
        lambda: create(name="x", evaluation_id=evaluation_id, widget_order=[widget.id, widget.id])
    ) == [["body", "widget_order", 1]]
    assert locs(lambda: client.evaluation_dashboards.update(board.id, widget_order=["nope"])) == [
        ["body", "widget_order", 0]
    ]
    assert locs(
        lambda: client.evaluation_dashboards.update(
            board.id, extra_body={"evaluation_id": evaluation_id}
        )
    ) == [["body", "evaluation_id"]]
    with pytest.raises(BadRequestError):
        client.evaluation_dashboards.update(board.id)

    with pytest.raises(NotFoundError):
        create(name="x", evaluation_id="00000000-0000-7000-8000-000000000000")
    with pytest.raises(NotFoundError):
        create(name="x", evaluation_group_id="00000000-0000-7000-8000-000000000000")
    with pytest.raises(NotFoundError):
        create(name="x", evaluation_id=evaluation_id, template_dashboard_id="missing")


def test_other_accounts_dashboards_are_invisible(
    client: SGPClient, other_client: SGPClient
) -> None:
    evaluation_id = evaluation(client, rows(3))
    board = client.evaluation_dashboards.create(name=unique("mine"), evaluation_id=evaluation_id)
    widget = client.evaluation_dashboards.widgets.create(board.id, title="h", type="heading")

    for call in (
        lambda: other_client.evaluation_dashboards.retrieve(board.id),
        lambda: other_client.evaluation_dashboards.update(board.id, name="theirs"),
        lambda: other_client.evaluation_dashboards.archive(board.id),
        lambda: other_client.evaluation_dashboards.widgets.create(
            board.id, title="t", type="heading"
        ),
        lambda: other_client.evaluation_dashboards.widgets.update(
            widget.id, dashboard_id=board.id, title="x"
        ),
        lambda: other_client.evaluation_dashboards.widgets.remove(widget.id, dashboard_id=board.id),
        # Another account's evaluation is no target.
        lambda: other_client.evaluation_dashboards.create(name="x", evaluation_id=evaluation_id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert board.id not in [d.id for d in other_client.evaluation_dashboards.list()]
    # Nor can another account's widget be put in an order.
    theirs_eval = evaluation(other_client, rows(3))
    with pytest.raises(UnprocessableEntityError):
        other_client.evaluation_dashboards.create(
            name="x", evaluation_id=theirs_eval, widget_order=[widget.id]
        )
    assert_identity(board, board.created_by.id)
