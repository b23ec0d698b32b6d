"""The dataset pages: the list, a version's items paged on the server, the diff of two versions
(in the browser through its selects, and over plain HTTP), their 4xx pages and isolation."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.server import ACCOUNT_B
from tests.web.conftest import COMPARED_ROWS, Compared, api, screenshot, web_client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def walk(client: httpx.Client, base: str, params: dict[str, str | int], rows: str) -> list[str]:
    """Every page of a keyset-paged list from its first, following its "Next page" links:
    what `rows` (a pattern with one group) finds on each, in order."""
    seen: list[str] = []
    while True:
        page = client.get(base, params=params)
        seen += re.findall(rows, page.text)
        found = re.search(r'rel="next" href="[^"]*after=([^"&]+)', page.text)
        if found is None:
            return seen
        params = {**params, "after": found.group(1)}


def test_list_and_versions_page_on_the_server(compared: Compared) -> None:
    with web_client(compared.server) as client:
        listing = client.get("/datasets", params={"name": compared.dataset_name})
        assert listing.status_code == 200
        assert listing.text.count("<tr data-dataset=") == 1
        assert (
            client.get("/datasets", params={"name": "no such dataset"}).text.count("data-dataset=")
            == 0
        )

        base = f"/datasets/{compared.dataset_id}"
        current = client.get(base)
        assert current.status_code == 200
        # Version 4: 12 items, one added, one removed.
        assert current.text.count("<tr data-item=") == COMPARED_ROWS
        assert compared.removed_id not in current.text and compared.added_id in current.text
        assert f"baseline {compared.dataset_name}" in current.text  # the evaluations built from it
        first = client.get(base, params={"version": 1})
        assert first.text.count("<tr data-item=") == COMPARED_ROWS
        assert compared.removed_id in first.text and compared.added_id not in first.text

        # Keyset pages: five at a time, every item once.
        seen = walk(client, base, {"version": 1, "limit": 5}, r'<tr data-item="([^"]+)"')
        assert len(seen) == len(set(seen)) == COMPARED_ROWS


def test_diff_of_two_versions(compared: Compared) -> None:
    base = f"/datasets/{compared.dataset_id}"
    with web_client(compared.server) as client:
        redirect = client.get(base, params={"from": 1, "to": 4})
        assert redirect.status_code == 303 and redirect.headers["location"] == f"{base}?diff=1..4"
        # The selects the other way round are the same diff; one version twice, the page
        # again with its form saying why (it was a 422 page without the form).
        swapped = client.get(base, params={"from": 4, "to": 1})
        assert swapped.status_code == 303 and swapped.headers["location"] == f"{base}?diff=1..4"
        same = client.get(base, params={"from": 2, "to": 2})
        assert same.status_code == 422 and 'name="from"' in same.text
        assert "Pick two different versions to diff." in same.text
        diff = client.get(base, params={"diff": "1..4"})
        assert diff.status_code == 200
        kinds = dict(re.findall(r'<tr data-item="([^"]+)" data-kind="(\w+)"', diff.text))
        assert kinds == {
            compared.added_id: "added",
            compared.changed_id: "changed",
            compared.removed_id: "removed",
        }
        # The changed item's fields: `expected` changed word by word, `note` added, escaped.
        assert "<del>none</del>" not in diff.text and "<ins>none</ins>" in diff.text
        assert "&lt;script&gt;" in diff.text and "<script>alert" not in diff.text
        only = client.get(base, params={"diff": "1..4", "kind": "removed"})
        assert re.findall(r'<tr data-item="[^"]+" data-kind="(\w+)"', only.text) == ["removed"]
        # One version apart: only the item added in version 2.
        step = client.get(base, params={"diff": "1..2"})
        assert set(re.findall(r'<tr data-item="([^"]+)"', step.text)) == {compared.added_id}
        # Paged by item: one a page, every changed item once; an unknown cursor is a 422 (it
        # was an empty page, as if the diff ended there).
        seen = walk(
            client, base, {"diff": "1..4", "limit": 1}, r'<tr data-item="([^"]+)" data-kind='
        )
        assert sorted(dict.fromkeys(seen)) == sorted(kinds)  # a changed item has two rows
        unknown = client.get(base, params={"diff": "1..4", "after": "zzz"})
        assert unknown.status_code == 422 and "unknown cursor" in unknown.text


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"diff": "1-2"}, "diff"),
        ({"diff": "2..1"}, "diff"),
        ({"diff": "1..99"}, "diff"),
        ({"version": "99"}, "version"),
        ({"version": "zero"}, "version"),
        ({"kind": "moved", "diff": "1..2"}, "kind"),
        ({"after": "nope"}, "after"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_parameters_name_themselves(
    compared: Compared, query: dict[str, str], name: str
) -> None:
    with web_client(compared.server) as client:
        response = client.get(f"/datasets/{compared.dataset_id}", params=query)
        assert response.status_code == 422, response.text
        assert f"{name} :" in _text(response.text)


def test_another_accounts_dataset_is_a_404(compared: Compared) -> None:
    with web_client(compared.server, ACCOUNT_B) as b:
        assert compared.dataset_name not in b.get("/datasets", params={"limit": 200}).text
        for path in (
            f"/datasets/{compared.dataset_id}",
            f"/datasets/{compared.dataset_id}?diff=1..4",
            "/datasets/nope",
            f"/datasets/{compared.dataset_id}/no/such/page",
        ):
            response = b.get(path)
            assert response.status_code == 404, path
            assert compared.dataset_name not in response.text


def test_diff_chosen_with_the_selects(page: Page, compared: Compared) -> None:
    page.get_by_role("link", name="Datasets").click()
    expect(page.locator(f'tr[data-dataset="{compared.dataset_id}"]')).to_be_visible()
    screenshot(page, compared.server, "datasets")
    page.get_by_role("link", name=compared.dataset_name).click()
    expect(page.locator("#items table.results tbody tr")).to_have_count(COMPARED_ROWS)
    screenshot(page, compared.server, "dataset")
    page.select_option("select[name=from]", "1")
    page.select_option("select[name=to]", "4")
    page.get_by_role("button", name="Diff").click()
    expect(page).to_have_url(re.compile(r"diff=1\.\.4$"))
    expect(page.locator("table.diff-table tbody tr[data-kind=added]")).to_have_count(1)
    changed = page.locator(f'tr[data-item="{compared.changed_id}"]')
    expect(changed.locator("td.diff-new ins").first).to_be_visible()
    screenshot(page, compared.server, "dataset-diff")
    page.locator(".diff-counts a", has_text="removed").click()
    expect(page).to_have_url(re.compile(r"kind=removed"))
    expect(page.locator("table.diff-table tbody tr")).to_have_count(1)


def test_a_value_written_as_another_type_is_a_change_the_table_shows(compared: Compared) -> None:
    """2 → 2.0 and true → 1 change the item's content hash, so the diff counts it changed; its
    row shows those fields (Python's == took them for equal, and the row was empty)."""
    with api(compared.server) as http:
        made = http.post(
            "/v5/datasets", json={"name": "retyped", "data": [{"a": 1}, {"a": 2, "b": True}]}
        ).json()
        items = http.get("/v5/dataset-items", params={"dataset_id": made["id"]}).json()["items"]
        retyped = next(item["id"] for item in items if item["data"]["a"] == 2)
        patched = http.patch(f"/v5/dataset-items/{retyped}", json={"data": {"a": 2.0, "b": 1}})
        assert patched.status_code == 200, patched.text
    with web_client(compared.server) as client:
        diff = client.get(f"/datasets/{made['id']}", params={"diff": "1..2"})
    assert diff.status_code == 200, diff.text
    rows = dict(re.findall(r'<tr data-item="([^"]+)" data-kind="(\w+)"', diff.text))
    assert rows == {retyped: "changed"}
    shown = _text(diff.text)
    assert " a 2 2 .0 b true 1 " in shown, shown  # field, old, new (a word diff of 2 → 2.0)
