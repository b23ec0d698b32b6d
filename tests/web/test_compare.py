"""The comparison page: in the browser (the form, the verdicts, the forest plot, the changed items
with their word diff, the filter in the URL), and over plain HTTP its 4xx pages and isolation."""

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.server import ACCOUNT_B
from tests.web.conftest import (
    IMPROVED,
    REGRESSED,
    UNSAFE,
    Compared,
    Seeded,
    api,
    screenshot,
    web_client,
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_compare_page_shows_verdicts_forest_plot_and_changed_items(
    page: Page, compared: Compared
) -> None:
    base = compared.server.base_url
    page.goto(f"{base}/compare")
    expect(page.get_by_role("link", name="Compare")).to_have_attribute("aria-current", "page")
    page.fill("input[name=baseline]", compared.baseline_id)
    page.fill("input[name=candidate]", compared.candidate_id)
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare\?baseline="))

    f1 = page.locator('table.verdicts tr[data-alias="f1"]')
    expect(f1.locator("td").nth(2)).to_have_text(str(12))  # pairs
    # Flip counts: three rows lost words, the changed-text row and one other gained them.
    expect(f1.locator("td").nth(10)).to_have_text(str(len(REGRESSED)))
    forest = page.locator("svg.forest")
    expect(forest.locator("g.forest-row")).to_have_count(2)
    expect(forest.locator('g.forest-row[data-alias="f1"] circle')).to_have_count(1)
    verdict = f1.locator("[data-verdict]").get_attribute("data-verdict")
    assert forest.locator('g[data-alias="f1"]').get_attribute("data-verdict") == verdict

    # Regressions of f1 by default, the output column diffed word by word.
    rows = page.locator("table.changes tbody tr")
    expect(rows).to_have_count(len(REGRESSED))
    first = rows.first
    expect(first.locator("td.diff-old del").first).to_be_visible()
    expect(first.locator("td.diff-new ins").first).to_be_visible()
    expect(first.locator("td.diff-new")).to_contain_text("pears")
    screenshot(page, compared.server, "compare")

    page.select_option("select[name=changes]", "improved")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"changes=improved"))
    query = parse_qs(urlparse(page.url).query)
    assert query["alias"] == ["f1"] and query["output"] == ["answer"]
    expect(rows).to_have_count(len(IMPROVED) + 1)
    # Text from a result is escaped: it shows as text, and no element came of it.
    expect(page.locator("table.changes")).to_contain_text("<script>alert(1)</script>")
    assert page.locator("table.changes script, table.changes b").count() == 0
    page.reload()
    expect(rows).to_have_count(len(IMPROVED) + 1)


def test_compare_pages_escape_results(compared: Compared) -> None:
    with web_client(compared.server) as client:
        response = client.get(
            "/compare",
            params={
                "baseline": compared.baseline_id,
                "candidate": compared.candidate_id,
                "changes": "improved",
            },
        )
        assert response.status_code == 200
        assert (
            UNSAFE not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        )


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ({"baseline": "B", "candidate": "B"}, 422, "candidate"),
        ({"baseline": "x" * 65, "candidate": "C"}, 422, "baseline"),
        ({"baseline": "B", "candidate": "C", "changes": "sideways"}, 422, "changes"),
        ({"baseline": "B", "candidate": "C", "alias": "nope"}, 422, "alias"),
        ({"baseline": "B", "candidate": "C", "output": "nope"}, 422, "output"),
        ({"baseline": "B", "candidate": "C", "page": "0"}, 422, "page"),
        ({"baseline": "B", "candidate": "C", "page": "99"}, 422, "page"),
        ({"baseline": "nope", "candidate": "C"}, 404, ""),
        ({"baseline": "B", "candidate": "nope"}, 404, ""),
    ],
)
def test_bad_or_missing_ids_are_pages_naming_them(
    compared: Compared, query: dict[str, str], status: int, names: str
) -> None:
    ids = {"B": compared.baseline_id, "C": compared.candidate_id}
    params = {key: ids.get(value, value) for key, value in query.items()}
    with web_client(compared.server) as client:
        response = client.get("/compare", params=params)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("text/html")
        if names:
            assert f"{names} :" in _text(response.text)
        else:
            assert "Not found" in response.text


def test_an_id_given_twice_is_a_page_naming_it(compared: Compared) -> None:
    """`baseline` twice: the page compared the last one without a word."""
    params = [
        ("baseline", compared.candidate_id),
        ("baseline", compared.baseline_id),
        ("candidate", compared.candidate_id),
    ]
    with web_client(compared.server) as client:
        for path in ("/compare", "/compare/result"):
            response = client.get(path, params=params)
            assert "baseline :" in _text(response.text), path
        assert client.get("/compare", params=params).status_code == 422
        only = client.get("/compare", params=[("candidate", "a"), ("candidate", "b")])
        assert only.status_code == 422 and "candidate :" in _text(only.text)


def test_another_accounts_evaluations_cannot_be_compared(
    compared: Compared, seeded: Seeded
) -> None:
    with web_client(compared.server, ACCOUNT_B) as b:
        response = b.get(
            "/compare",
            params={"baseline": compared.baseline_id, "candidate": seeded.other_evaluation_id},
        )
        assert response.status_code == 404
        assert "baseline " + compared.dataset_name not in response.text
        # The form offers B's own evaluations only.
        form = b.get("/compare")
        assert compared.baseline_id not in form.text and seeded.other_evaluation_id in form.text
    with web_client(compared.server) as a:
        response = a.get(
            "/compare",
            params={"baseline": compared.baseline_id, "candidate": seeded.other_evaluation_id},
        )
        assert response.status_code == 404 and "account b" not in response.text


def test_one_id_opens_the_form_with_it_filled_in(compared: Compared) -> None:
    """The evaluation page links here with its own id as the baseline."""
    with web_client(compared.server) as client:
        for params in ({"baseline": compared.baseline_id}, {"candidate": compared.candidate_id}):
            response = client.get("/compare", params=params)
            assert response.status_code == 200, response.text
            ((name, given),) = params.items()
            assert f'name="{name}" list="recent-evaluations" value="{given}"' in response.text
            assert "required" not in _text(response.text)


def test_the_forms_example_is_two_runs_of_one_dataset(compared: Compared) -> None:
    """The example was the two newest evaluations, whatever their data: two runs of other
    data have no pairs, and the link led to a 422."""
    f1 = {
        "task_type": "metric",
        "alias": "f1",
        "configuration": {"type": "f1", "candidate": "item.q", "reference": "item.q"},
    }
    with api(compared.server) as http:
        dataset = http.post("/v5/datasets", json={"name": "ex", "data": [{"q": "a b"}]}).json()
        body = {"dataset_id": dataset["id"], "tasks": [f1]}
        runs = [
            http.post("/v5/evaluations", json={"name": f"run {n}", **body}).json()["id"]
            for n in (1, 2)
        ]
        http.post("/v5/evaluations", json={"name": "other", "data": [{"q": "a"}], "tasks": [f1]})
        for run in runs:  # finished: their cells are there to compare
            deadline = time.monotonic() + 60
            while http.get(f"/v5/evaluations/{run}").json()["status"] != "completed":
                assert time.monotonic() < deadline
                time.sleep(0.1)
    with web_client(compared.server) as client:
        form = client.get("/compare").text
        link = re.search(r'For example[^<]*<a href="([^"]+)"', form)
        assert link is not None, form
        assert link.group(1) == f"/compare?baseline={runs[0]}&amp;candidate={runs[1]}"
        assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200
