"""The dashboard pages: every widget type drawn in the browser, the list and the evaluation
page's links to its dashboards, a table widget paged on the server, 404s and isolation."""

import re

import httpx
from playwright.sync_api import Page, expect

from tests.fixtures.server import ACCOUNT_B
from tests.web.conftest import COMPARED_ROWS, Dashboard, Seeded, api, screenshot, web_client


def test_every_widget_is_drawn(page: Page, dashboard: Dashboard) -> None:
    base = dashboard.server.base_url
    page.goto(f"{base}/evaluations/{dashboard.evaluation_id}")
    title = page.title()
    # The evaluation page loads the links to its dashboards: from the dashboards page, whose
    # title once came along and named every evaluation's tab "Dashboards".
    link = page.locator("#dashboard-links").get_by_role("link", name=dashboard.name)
    expect(link).to_be_visible()
    assert page.title() == title and not title.startswith("Dashboards")
    link.click()
    page.wait_for_url(f"{base}/dashboards/{dashboard.dashboard_id}")

    def widget(kind: str) -> object:
        return page.locator(f'[data-widget="{dashboard.widgets[kind]}"]')

    order = page.locator("[data-widget]").evaluate_all("nodes => nodes.map(n => n.dataset.type)")
    assert order == list(dashboard.widgets)  # widget_order, every one drawn
    expect(page.locator('[data-type="heading"]')).to_have_text("Quality")
    markdown = page.locator('[data-type="markdown"] .markdown')
    expect(markdown.locator("strong")).to_have_text("Read me")
    expect(markdown.locator("li")).to_have_count(2)
    expect(markdown).to_contain_text("<script>alert(1)</script>")  # escaped, shown as text
    assert markdown.locator("script, b").count() == 0
    expect(page.locator('[data-type="metric"] .metric-value')).to_have_text(str(COMPARED_ROWS))
    bars = page.locator('[data-type="bar"] svg rect[class^="share-"]')
    expect(bars).to_have_count(2)  # math, words
    expect(bars.first.locator("title")).to_contain_text("math: ")
    expect(page.locator('[data-type="donut"] svg path')).to_have_count(2)
    expect(page.locator('[data-type="donut"] svg')).to_contain_text("50.0 %")
    expect(page.locator('[data-type="histogram"] svg rect.chart-bar')).to_have_count(20)
    expect(page.locator('[data-type="scatter"] svg circle')).to_have_count(COMPARED_ROWS)
    expect(page.locator('[data-type="timeseries"] svg polyline')).to_have_count(1)
    expect(page.locator('[data-type="timeseries"] svg circle')).to_have_count(4)  # four days
    table = page.locator('[data-type="table"] table tbody tr')
    expect(table).to_have_count(COMPARED_ROWS)
    expect(table.first).to_contain_text("question 0")
    assert not page.locator("p.error").count()
    screenshot(page, dashboard.server, "dashboard")

    page.get_by_role("link", name="Dashboards").first.click()
    page.wait_for_url(f"{base}/dashboards")
    expect(page.locator(f'tr[data-dashboard="{dashboard.dashboard_id}"]')).to_be_visible()
    screenshot(page, dashboard.server, "dashboards")


def test_table_widgets_page_on_the_server(dashboard: Dashboard, seeded: Seeded) -> None:
    with api(dashboard.server) as http:
        board = http.post(
            "/v5/evaluation-dashboards",
            json={"name": "paged table", "evaluation_id": seeded.evaluation_id},
        ).json()["id"]
        widget = http.post(
            f"/v5/evaluation-dashboards/{board}/widgets",
            json={
                "title": "inputs",
                "type": "table",
                "query": {"select": [{"expression": {"type": "COLUMN", "column": "input"}}]},
            },
        ).json()["id"]
    with web_client(dashboard.server) as client:
        first = client.get(f"/dashboards/{board}")
        assert first.text.count("<tr><td>") == 25 and "rows 1–25 of 60" in first.text
        third = client.get(f"/dashboards/{board}", params={"table": widget, "page": 3})
        assert third.text.count("<tr><td>") == 10 and "rows 51–60 of 60" in third.text
        assert client.get(f"/dashboards/{board}", params={"page": "0"}).status_code == 422


def test_a_chart_whose_x_column_is_not_in_its_rows_says_so(
    dashboard: Dashboard, seeded: Seeded
) -> None:
    """Drawn, each of its bars was a category named "null"."""
    with api(dashboard.server) as http:
        board = http.post(
            "/v5/evaluation-dashboards",
            json={"name": "missing x", "evaluation_id": seeded.evaluation_id},
        ).json()["id"]
        http.post(
            f"/v5/evaluation-dashboards/{board}/widgets",
            json={
                "title": "misnamed",
                "type": "bar",
                "config": {"x_column": "nope"},
                "query": {
                    "select": [
                        {"expression": {"type": "COLUMN", "column": "input"}},
                        {"expression": {"type": "COLUMN", "column": "f1"}},
                    ]
                },
            },
        ).raise_for_status()
    with web_client(dashboard.server) as client:
        page = client.get(f"/dashboards/{board}")
    assert page.status_code == 200
    assert (
        "x_column &#39;nope&#39; is not a column of the rows (&#39;input&#39;, &#39;f1&#39;)"
        in page.text
    )
    assert 'class="chart-bar"' not in page.text


def test_another_accounts_dashboard_is_a_404(dashboard: Dashboard) -> None:
    with web_client(dashboard.server, ACCOUNT_B) as b:
        for path in (
            f"/dashboards/{dashboard.dashboard_id}",
            "/dashboards/nope",
            f"/dashboards/{dashboard.dashboard_id}/no/such/page",
        ):
            response = b.get(path)
            assert response.status_code == 404, path
            assert dashboard.name not in response.text
        listing = b.get("/dashboards", params={"limit": 200})
        assert dashboard.name not in listing.text and "account b&#39;s board" in listing.text
        # Filtering by another account's evaluation finds nothing of it.
        only = b.get("/dashboards", params={"evaluation_id": dashboard.evaluation_id})
        assert dashboard.dashboard_id not in only.text
    with web_client(dashboard.server) as a:
        assert a.get(f"/dashboards/{dashboard.other_dashboard_id}").status_code == 404
        searched = a.get("/dashboards", params={"search": dashboard.name})
        assert searched.text.count("<tr data-dashboard=") == 1
    with httpx.Client(base_url=dashboard.server.base_url) as anonymous:
        response = anonymous.get(f"/dashboards/{dashboard.dashboard_id}", follow_redirects=False)
        assert response.status_code == 303
        assert re.match(r"/login\?next=/dashboards/", response.headers["location"])


def test_pages_fit_a_phones_width(page: Page, dashboard: Dashboard, seeded: Seeded) -> None:
    """At 375 px the header (a row of links that did not wrap) made every page 760 px wide,
    and widgets and agreement cards were at least 460-480 px; a wide table now scrolls within
    itself instead of the page."""
    base = dashboard.server.base_url
    page.set_viewport_size({"width": 375, "height": 800})
    for path in (
        "/evaluations",
        f"/evaluations/{seeded.evaluation_id}",
        f"/dashboards/{dashboard.dashboard_id}",
        "/datasets",
        "/review",
    ):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide"
