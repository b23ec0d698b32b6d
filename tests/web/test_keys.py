"""The keyboard shortcuts (static/keys.js) in the browser: the help on `?`, `/` to the search,
`j`/`k` to select a row and `Enter`/`o` to open it, `n`/`f` to page (also after htmx swapped the
table), `g` then a letter to go elsewhere, and keys left alone in a field or with a modifier."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from tests.web.conftest import Seeded, screenshot

SELECTED = "table.results tbody tr.kb-selected"


def test_question_mark_shows_and_hides_the_help(page: Page, seeded: Seeded) -> None:
    help_dialog = page.locator("#keys-help")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Focus the search or filter field")
    expect(help_dialog.locator("kbd", has_text="j")).to_be_visible()
    screenshot(page, seeded.server, "help")
    page.keyboard.press("?")
    expect(help_dialog).to_be_hidden()
    # The header's button opens it too, and Escape closes it.
    page.get_by_role("button", name="Shortcuts").click()
    expect(help_dialog).to_be_visible()
    page.keyboard.press("j")  # the open help keeps the keys: no row is selected behind it
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    expect(page.locator("table.list tbody tr.kb-selected")).to_have_count(0)


def test_slash_focuses_the_search_and_a_field_keeps_its_keys(page: Page, seeded: Seeded) -> None:
    search = page.locator("input[name=name]")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the `/` itself was not typed
    # In the field, j types a j and selects no row; g then d types both and goes nowhere.
    page.keyboard.type("jgd")
    expect(search).to_have_value("jgd")
    expect(page.locator("table.list tbody tr.kb-selected")).to_have_count(0)
    assert urlparse(page.url).path == "/evaluations"
    # Out of the field, a key with Ctrl or Alt is the browser's.
    search.blur()
    page.keyboard.press("Control+j")
    page.keyboard.press("Alt+j")
    expect(page.locator("table.list tbody tr.kb-selected")).to_have_count(0)
    page.keyboard.press("j")
    expect(page.locator("table.list tbody tr.kb-selected")).to_have_count(1)

    # On an evaluation, `/` goes to the table's filters.
    page.goto(f"{seeded.server.base_url}/evaluations/{seeded.evaluation_id}")
    page.keyboard.press("/")
    expect(page.locator("form.filters select[name=task_status]")).to_be_focused()


def test_j_k_and_enter_open_a_row(page: Page, seeded: Seeded) -> None:
    base = seeded.server.base_url
    page.goto(f"{base}/evaluations/{seeded.evaluation_id}")
    rows = page.locator("table.results tbody tr")
    for key in "jjjk":
        page.keyboard.press(key)
    expect(page.locator(SELECTED)).to_have_count(1)
    expect(rows.nth(1)).to_have_class(re.compile(r"\bkb-selected\b"))
    expect(rows.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/evaluations/{seeded.evaluation_id}/items/{seeded.item_ids[1]}")

    # `o` opens too; `k` stops at the first row.
    page.go_back()
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bkb-selected\b"))
    page.keyboard.press("o")
    page.wait_for_url(f"{base}/evaluations/{seeded.evaluation_id}/items/{seeded.item_ids[0]}")


def test_n_and_f_page_the_table_and_rows_work_after_the_swap(page: Page, seeded: Seeded) -> None:
    base = seeded.server.base_url
    page.goto(f"{base}/evaluations/{seeded.evaluation_id}?limit=20")
    rows = page.locator("table.results tbody tr")
    page.keyboard.press("j")
    page.keyboard.press("n")  # htmx swaps the table and pushes the URL
    expect(rows.first).to_have_attribute("data-item", seeded.item_ids[20])
    assert "after" in parse_qs(urlparse(page.url).query)
    expect(page.locator(SELECTED)).to_have_count(0)  # a new table: no row selected yet
    page.keyboard.press("n")
    expect(rows.first).to_have_attribute("data-item", seeded.item_ids[40])
    page.keyboard.press("n")  # the last page has no next: nothing happens
    expect(rows).to_have_count(len(seeded.item_ids) - 40)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bkb-selected\b"))

    page.keyboard.press("f")
    expect(rows.first).to_have_attribute("data-item", seeded.item_ids[0])
    assert "after" not in parse_qs(urlparse(page.url).query)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/evaluations/{seeded.evaluation_id}/items/{seeded.item_ids[0]}")


def test_g_goes_to_each_list_and_the_error_page_has_the_keys(page: Page, seeded: Seeded) -> None:
    base = seeded.server.base_url
    for letter, path in (("d", "/datasets"), ("b", "/dashboards"), ("c", "/compare")):
        page.keyboard.press("g")
        page.keyboard.press(letter)
        page.wait_for_url(f"{base}{path}")
    response = page.goto(f"{base}/evaluations/no-such-evaluation")
    assert response is not None and response.status == 404
    expect(page.locator(".error-page")).to_contain_text("Not found")
    screenshot(page, seeded.server, "not-found")
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("e")
    page.wait_for_url(f"{base}/evaluations")
