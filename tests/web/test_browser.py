"""The UI in a real browser (Debian's chromium through Playwright), on SQLite and PostgreSQL.

Only what needs a browser is here: the sign-in flow with its cookie, htmx swaps (filters,
sorting, lazy cards, live progress), the URL surviving a reload, a download, following links.
The 4xx paths and account isolation are plain HTTP (test_http.py).
"""

import re
import time
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import BrowserContext, Page, expect

from tests.fixtures.fake_model_server import FakeModels
from tests.web.conftest import ROWS, Seeded, api, screenshot, sign_in


def settle(page: Page) -> None:
    """Wait until what the page loads after itself (htmx `load` triggers: the cards) is in."""
    page.wait_for_load_state("networkidle")


def test_sign_in_refuses_a_wrong_key_and_signs_out(context: BrowserContext, seeded: Seeded) -> None:
    base = seeded.server.base_url
    page = context.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/login")
    screenshot(page, seeded.server, "login")
    page.fill("input[name=account_id]", "acct-a")
    page.fill("input[name=api_key]", "not-the-key")
    with page.expect_response(f"{base}/login") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    assert not [c for c in context.cookies() if c["name"] == "yardstick_session"]

    sign_in(page, seeded.server)
    (cookie,) = [c for c in context.cookies() if c["name"] == "yardstick_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert seeded.server.keys["acct-a"] not in cookie["value"]
    assert page.evaluate("document.cookie") == ""  # no script can read it

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/evaluations/{seeded.evaluation_id}")
    page.wait_for_url(f"{base}/login?next=/evaluations/{seeded.evaluation_id}")


def test_list_searches_by_name_and_tag(page: Page, seeded: Seeded) -> None:
    base = seeded.server.base_url
    row = page.locator("tr", has_text=seeded.name)
    expect(row).to_contain_text("completed")
    expect(row).to_contain_text(str(ROWS))
    # Errored cells: three failed chat calls, and the f1 and judge cells that needed them.
    expect(row.locator(".bad")).to_have_text("9")
    screenshot(page, seeded.server, "evaluations")

    page.fill("input[name=tag]", seeded.tag)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"{base}/evaluations?name=&tag={seeded.tag}")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.fill("input[name=name]", "no such evaluation name")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".empty")).to_contain_text("No evaluation matches")
    # A name alone: the form sends `tag=` too, which matched the tag "" and so nothing.
    page.fill("input[name=tag]", "")
    page.fill("input[name=name]", seeded.name)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    # The pager's links carry `name=&tag=` as well: the next page was always empty.
    with api(seeded.server) as http:
        http.post("/v5/evaluations", json={"name": "listed second", "data": [{"a": 1}]})
    page.goto(f"{base}/evaluations?limit=1")
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("table.list tbody tr")).to_have_count(1)


def test_filters_and_sort_live_in_the_url_and_survive_a_reload(page: Page, seeded: Seeded) -> None:
    page.get_by_role("link", name=seeded.name).click()
    # The cards load after the page: a histogram for f1, value shares for the judge.
    expect(page.locator('.card[data-alias="f1"] svg rect.chart-bar')).to_have_count(20)
    expect(page.locator('.card[data-alias="verdict"] svg')).to_contain_text("right")
    expect(page.locator('.card[data-alias="answer"]')).to_contain_text("errored 3")
    expect(page.locator("table.results tbody tr")).to_have_count(50)
    screenshot(page, seeded.server, "evaluation")

    page.select_option("select[name=task_status]", "answer:errored")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.results tbody tr")).to_have_count(3)
    assert parse_qs(urlparse(page.url).query)["task_status"] == ["answer:errored"]
    page.reload()
    expect(page.locator("table.results tbody tr")).to_have_count(3)
    expect(page.locator("select[name=task_status]")).to_have_value("answer:errored")
    for text in seeded.failing_inputs:
        expect(page.locator("table.results")).to_contain_text(text)

    # A score range, then a sort by clicking the column; both in the URL, kept by a reload.
    page.get_by_role("link", name="Clear").click()
    expect(page.locator("table.results tbody tr")).to_have_count(50)
    page.select_option("select[name=score_alias]", "f1")
    page.fill("input[name=score_min]", "0.99")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"score_min=0\.99"))  # pushed once the table is swapped
    full = page.locator("table.results tbody tr").count()
    assert 0 < full < 50
    page.locator("th.alias a", has_text="answer").click()
    expect(page.locator("th.alias a", has_text="answer ▲")).to_be_visible()
    query = parse_qs(urlparse(page.url).query)
    assert query["score_min"] == ["0.99"] and query["sort"] == ["answer"]
    page.reload()
    expect(page.locator("th.alias a", has_text="answer ▲")).to_be_visible()
    expect(page.locator("input[name=score_min]")).to_have_value("0.99")
    expect(page.locator("table.results tbody tr")).to_have_count(full)

    # Sorted by f1, lowest first, paged by cursor; the last page has the items without an f1.
    page.goto(f"{seeded.server.base_url}/evaluations/{seeded.evaluation_id}?sort=f1&limit=40")
    settle(page)
    scores = [
        float(t) for t in page.locator("table.results tbody tr td:nth-child(5)").all_inner_texts()
    ]
    assert len(scores) == 40 and scores == sorted(scores)
    page.get_by_role("link", name="Next page →").click()
    expect(page.locator("table.results tbody tr")).to_have_count(ROWS - 40)
    assert "after" in parse_qs(urlparse(page.url).query)
    expect(page.locator("table.results tbody tr").last.locator("td.st-errored")).to_have_count(3)


def test_export_downloads_what_the_filters_select(page: Page, seeded: Seeded) -> None:
    base = seeded.server.base_url
    page.goto(f"{base}/evaluations/{seeded.evaluation_id}?task_status=answer:errored")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = waiting.value
    assert download.suggested_filename == f"evaluation-{seeded.evaluation_id}-filtered.csv"
    text = download.path().read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,") and len(lines) == 1 + len(seeded.failing_inputs)
    with page.expect_download() as waiting:
        page.get_by_role("link", name="JSONL", exact=True).click()
    jsonl = waiting.value.path().read_text(encoding="utf-8").strip().splitlines()
    assert len(jsonl) == len(seeded.failing_inputs)


def test_item_page_shows_cells_judge_rationale_and_trace(page: Page, seeded: Seeded) -> None:
    base = seeded.server.base_url
    page.goto(f"{base}/evaluations/{seeded.evaluation_id}")
    # The cards load after the page and push the table down: a click before they are in can
    # land where the link was (CI once lost the navigation so).
    settle(page)
    page.locator("table.results tbody tr").nth(1).locator("td.id a").click()
    page.wait_for_url(f"{base}/evaluations/{seeded.evaluation_id}/items/{seeded.item_ids[1]}")
    answer = page.locator('section.cell[data-alias="answer"]')
    expect(answer.locator("pre.value")).to_contain_text("echo: what is 1 plus 1")
    expect(answer).to_contain_text("tokens")
    span = answer.locator("details.span").first
    expect(span).to_contain_text("answer: openai /chat/completions")
    span.locator("summary").click()
    expect(span.locator(".span-body")).to_contain_text('"model": "fake-chat"')
    verdict = page.locator('section.cell[data-alias="verdict"]')
    expect(verdict.locator(".rationale")).to_have_text("fake rationale")
    expect(verdict.locator("details.span")).to_have_count(1)  # the judge's one ask
    screenshot(page, seeded.server, "item")


def test_progress_updates_live_while_running(
    page: Page, seeded: Seeded, fake_models: FakeModels
) -> None:
    fake_models.control(latency_ms=600)  # 24 calls, 8 at a time: about 2 s of running
    try:
        _watch_a_slow_run(page, seeded)
    finally:
        fake_models.control(latency_ms=0)


def _watch_a_slow_run(page: Page, seeded: Seeded) -> None:
    with api(seeded.server) as http:
        created = http.post(
            "/v5/evaluations",
            json={
                "name": "slow run",
                "data": [{"input": f"slow {i}"} for i in range(24)],
                "tasks": [
                    {
                        "task_type": "chat_completion",
                        "alias": "answer",
                        "configuration": {
                            "model": "openai/fake-chat",
                            "messages": [{"role": "user", "content": "item.input"}],
                        },
                    }
                ],
            },
        )
    assert created.status_code == 200, created.text
    started = time.monotonic()
    page.goto(f"{seeded.server.base_url}/evaluations/{created.json()['id']}")
    expect(page.locator("#progress progress")).to_be_visible()
    # No reload: htmx polls the header until the run is done, then stops.
    expect(page.locator("#progress [data-status]")).to_have_text("completed", timeout=30_000)
    expect(page.locator("#progress progress")).to_have_count(0)
    expect(page.locator('.card[data-alias="answer"]')).to_contain_text("completed 24")
    assert time.monotonic() - started < 30
