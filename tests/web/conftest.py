"""The web UI's tests: one real run per backend on the shared engine server, one browser.

`seeded` makes, once per backend, an evaluation that exercises every part of the pages: a chat
completion (traced model calls), an f1 metric on its answer (numbers: histogram, score filter,
sort), a question judge (categorical values with a rationale) and a few items whose model call
fails (errors to filter by). Account B gets an evaluation of its own, for the isolation tests.

The browser is Debian's `chromium`, driven by Playwright (`playwright install` is never run:
it downloads from a site CI cannot reach). One browser for the session; each test gets a fresh
context (its own cookies), which costs milliseconds.

Tests that load a page save a full-page screenshot of it, `<backend>-<page>.png`, in one folder
for CI to keep: `test-artifacts/screenshots/` at the repository's root, or the `screenshots/`
folder of YARDSTICK_TEST_ARTIFACTS when it is set.
"""

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server

CHROMIUM = os.environ.get("YARDSTICK_TEST_CHROMIUM") or shutil.which("chromium") or ""
ARTIFACTS = Path(
    os.environ.get("YARDSTICK_TEST_ARTIFACTS") or Path(__file__).parents[2] / "test-artifacts"
)
SCREENSHOTS = ARTIFACTS / "screenshots"
ROWS = 60
FAILING = 3  # items whose chat call fails


def api(server: Server, account: str = ACCOUNT_A) -> httpx.Client:
    headers = {"x-api-key": server.keys[account], "x-selected-account-id": account}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def wait_until_done(http: httpx.Client, evaluation_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http.get(f"/v5/evaluations/{evaluation_id}").json()["status"] != "running":
            return
        time.sleep(0.1)
    raise AssertionError(f"evaluation {evaluation_id} still running after {timeout}s")


@dataclass(frozen=True)
class Seeded:
    server: Server
    evaluation_id: str
    name: str
    tag: str
    item_ids: list[str]  # row order
    failing_inputs: list[str]
    other_evaluation_id: str  # account B's


def _create(http: httpx.Client, body: dict[str, Any]) -> str:
    response = http.post("/v5/evaluations", json=body)
    assert response.status_code == 200, response.text
    evaluation_id: str = response.json()["id"]
    return evaluation_id


@pytest.fixture(scope="session")
def seeded(engine_server: Server, fake_model_server: FakeModels) -> Seeded:
    marker = f"fail-{uuid.uuid4().hex[:8]}"
    failing = [f"{marker} {i}" for i in range(FAILING)]
    fake_model_server.control(
        replies_for={marker: [{"status": 400, "message": "the fake model refuses"}] * FAILING}
    )
    rows: list[dict[str, Any]] = [
        {
            "input": f"what is {i} plus {i}",
            "expected": f"echo: what is {i} plus {i}" + " x" * (i % 4),
        }
        for i in range(ROWS - FAILING)
    ]
    rows[0]["input"] = "a long question " + "word " * 60  # a cell long enough to be cut
    rows[0]["expected"] = rows[0]["input"]
    rows += [{"input": text, "expected": "nothing"} for text in failing]
    tag = f"web-{uuid.uuid4().hex[:6]}"
    name = f"web ui run {tag}"
    with api(engine_server) as http:
        question = http.post(
            "/v5/questions",
            json={
                "name": "verdict",
                "prompt": "Is the answer right?",
                "question_type": "categorical",
                "configuration": {"choices": ["right", "wrong"]},
            },
        )
        assert question.status_code == 200, question.text
        evaluation_id = _create(
            http,
            {
                "name": name,
                "tags": [tag, "ui"],
                "data": rows,
                "tasks": [
                    {
                        "task_type": "chat_completion",
                        "alias": "answer",
                        "configuration": {
                            "model": "openai/fake-chat",
                            "messages": [{"role": "user", "content": "item.input"}],
                        },
                    },
                    {
                        "task_type": "metric",
                        "alias": "f1",
                        "configuration": {
                            "type": "f1",
                            "candidate": "item.answer",
                            "reference": "item.expected",
                        },
                    },
                    {
                        "task_type": "auto_evaluation.question",
                        "alias": "verdict",
                        "configuration": {
                            "model": "openai/fake-chat",
                            "prompt": "Judge {{ item.answer }}",
                            "question_id": question.json()["id"],
                        },
                    },
                ],
            },
        )
        wait_until_done(http, evaluation_id)
        item_ids = [
            item["id"]
            for item in http.get(
                "/v5/evaluation-items", params={"evaluation_id": evaluation_id, "limit": 1000}
            ).json()["items"]
        ]
    with api(engine_server, ACCOUNT_B) as http:
        other = _create(
            http,
            {
                "name": f"account b's secret {tag}",
                "data": [{"input": "b", "expected": "b"}],
                "tasks": [
                    {
                        "task_type": "metric",
                        "alias": "f1",
                        "configuration": {
                            "type": "f1",
                            "candidate": "item.input",
                            "reference": "item.expected",
                        },
                    }
                ],
            },
        )
        wait_until_done(http, other)
    return Seeded(engine_server, evaluation_id, name, tag, item_ids, failing, other)


# Signing in over plain HTTP ----------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html
    return found.group(1)


@contextmanager
def web_client(server: Server, account: str = ACCOUNT_A) -> Iterator[httpx.Client]:
    """A cookie-keeping client, signed in through the form (redirects are not followed)."""
    with httpx.Client(base_url=server.base_url, timeout=60, follow_redirects=False) as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={
                "account_id": account,
                "api_key": server.keys[account],
                "csrf_token": csrf_of(form.text),
            },
        )
        assert response.status_code == 303, response.text
        yield client


# The browser --------------------------------------------------------------------------------------


# Assertions wait as long as actions do: under CI's load a page's form post and reload can take
# longer than Playwright's default 5 s for `expect`.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:
        if (
            os.environ.get("YARDSTICK_TEST_REQUIRE_POSTGRES") == "1"
        ):  # CI: the browser must be there
            pytest.fail("no chromium: .ci/run installs Debian's package")
        pytest.skip("the browser tests need Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    made.set_default_timeout(15_000)
    yield made
    made.close()


def sign_in(page: Page, server: Server, account: str = ACCOUNT_A) -> None:
    page.goto(f"{server.base_url}/login")
    page.fill("input[name=account_id]", account)
    page.fill("input[name=api_key]", server.keys[account])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base_url}/evaluations")


def screenshot(page: Page, server: Server, name: str) -> None:
    """Save what `page` shows, whole, as `<backend>-<name>.png` in the screenshots folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=SCREENSHOTS / f"{server.backend}-{name}.png", full_page=True, animations="disabled"
    )


@pytest.fixture
def page(context: BrowserContext, seeded: Seeded) -> Page:
    """A page signed in as account A."""
    opened = context.new_page()
    sign_in(opened, seeded.server)
    return opened


# The comparison, dataset and dashboard pages ----------------------------------------------------

COMPARED_ROWS = 12
REGRESSED = (1, 4, 7)  # rows whose candidate answer loses words of the reference
IMPROVED = (2,)  # a row whose baseline answer missed words the candidate has
UNSAFE = "<b>bold</b> & <script>alert(1)</script>"  # must reach the page escaped, never as markup


@dataclass(frozen=True)
class Compared:
    """Two evaluations of one dataset (a chat `answer` echoing `output`, an `f1` of it against
    `expected`), and the dataset changed after them: version 1 (the evaluations'), then one item
    added, one changed and one removed (version 4)."""

    server: Server
    dataset_id: str
    dataset_name: str
    baseline_id: str
    candidate_id: str
    added_id: str
    changed_id: str
    removed_id: str


def _dataset_rows() -> list[dict[str, Any]]:
    return [
        {
            "input": f"question {i}",
            "expected": f"the answer to question {i} is {i} apples",
            "category": "math" if i % 2 else "words",
            "day": f"2026-11-{1 + i % 4:02d}T00:00:00+00:00",
            "n": i,
        }
        for i in range(COMPARED_ROWS)
    ]


def _evaluation_of(http: httpx.Client, name: str, dataset_id: str, outputs: dict[str, str]) -> str:
    return _create(
        http,
        {
            "name": name,
            "dataset_id": dataset_id,
            "data": [
                {"dataset_item_id": item_id, "output": text} for item_id, text in outputs.items()
            ],
            "tasks": [
                {
                    "task_type": "chat_completion",
                    "alias": "answer",
                    "configuration": {
                        "model": "openai/fake-chat",
                        "messages": [{"role": "user", "content": "item.output"}],
                    },
                },
                {
                    "task_type": "metric",
                    "alias": "f1",
                    "configuration": {
                        "type": "f1",
                        "candidate": "item.answer",
                        "reference": "item.expected",
                    },
                },
            ],
        },
    )


@pytest.fixture(scope="session")
def compared(engine_server: Server) -> Compared:
    rows = _dataset_rows()
    name = f"web dataset {uuid.uuid4().hex[:6]}"
    with api(engine_server) as http:
        created = http.post("/v5/datasets", json={"name": name, "data": rows})
        assert created.status_code == 200, created.text
        dataset_id = created.json()["id"]
        listed = http.get(
            "/v5/dataset-items", params={"dataset_id": dataset_id, "limit": 100}
        ).json()["items"]
        ids = [item["id"] for item in listed]
        assert len(ids) == COMPARED_ROWS
        baseline = {item_id: rows[i]["expected"] for i, item_id in enumerate(ids)}
        candidate = dict(baseline)
        for i in REGRESSED:
            candidate[ids[i]] = f"the answer is {i} pears"
        for i in IMPROVED:
            baseline[ids[i]] = f"answer {i}"
        baseline[ids[3]] = "the old answer"
        candidate[ids[3]] = f"{UNSAFE} {rows[3]['expected']}"
        baseline_id = _evaluation_of(http, f"baseline {name}", dataset_id, baseline)
        candidate_id = _evaluation_of(http, f"candidate {name}", dataset_id, candidate)
        wait_until_done(http, baseline_id)
        wait_until_done(http, candidate_id)
        # Versions 2-4: one item added, one changed (a field changed, one added), one removed.
        added = http.post(
            "/v5/dataset-items/batch",
            json={"dataset_id": dataset_id, "data": [{"input": "a new question", "n": 99}]},
        )
        assert added.status_code == 200, added.text
        changed = http.patch(
            f"/v5/dataset-items/{ids[0]}",
            json={
                "data": {**rows[0], "expected": "the answer to question 0 is none", "note": UNSAFE}
            },
        )
        assert changed.status_code == 200, changed.text
        assert http.delete(f"/v5/dataset-items/{ids[1]}").status_code == 200
    return Compared(
        engine_server,
        dataset_id,
        name,
        baseline_id,
        candidate_id,
        added.json()["items"][0]["id"],
        ids[0],
        ids[1],
    )


@dataclass(frozen=True)
class Dashboard:
    server: Server
    dashboard_id: str
    name: str
    evaluation_id: str
    widgets: dict[str, str]  # widget type -> id
    other_dashboard_id: str  # account B's


def _widget(http: httpx.Client, dashboard_id: str, body: dict[str, Any]) -> str:
    response = http.post(f"/v5/evaluation-dashboards/{dashboard_id}/widgets", json=body)
    assert response.status_code == 200, response.text
    widget_id: str = response.json()["id"]
    return widget_id


def _column(name: str) -> dict[str, Any]:
    return {"expression": {"type": "COLUMN", "column": name}}


def _aggregate(function: str, column: str, alias: str) -> dict[str, Any]:
    return {
        "expression": {"type": "AGGREGATION", "function": function, "column": column},
        "alias": alias,
    }


@pytest.fixture(scope="session")
def dashboard(compared: Compared, seeded: Seeded) -> Dashboard:
    """A dashboard of the comparison's candidate with one widget of every type."""
    name = f"web board {uuid.uuid4().hex[:6]}"
    evaluation_id = compared.candidate_id
    with api(compared.server) as http:
        board = http.post(
            "/v5/evaluation-dashboards", json={"name": name, "evaluation_id": evaluation_id}
        )
        assert board.status_code == 200, board.text
        board_id = board.json()["id"]
        by_category = {
            "select": [_column("category"), _aggregate("AVG", "f1", "mean_f1")],
            "groupBy": ["category"],
            "orderBy": [{"column": "category", "direction": "ASC"}],
        }
        widgets = {
            "heading": _widget(http, board_id, {"title": "Quality", "type": "heading"}),
            "markdown": _widget(
                http,
                board_id,
                {
                    "title": "Notes",
                    "type": "markdown",
                    "config": {"content": f"**Read me** first.\n\n{UNSAFE}\n\n- one\n- two"},
                },
            ),
            "metric": _widget(
                http,
                board_id,
                {
                    "title": "rows",
                    "type": "metric",
                    "query": {"select": [_aggregate("COUNT", "*", "rows")]},
                },
            ),
            "bar": _widget(
                http,
                board_id,
                {
                    "title": "f1 by category",
                    "type": "bar",
                    "config": {"x_column": "category"},
                    "query": by_category,
                },
            ),
            "donut": _widget(
                http,
                board_id,
                {
                    "title": "items by category",
                    "type": "donut",
                    "config": {"x_column": "category"},
                    "query": {
                        "select": [_column("category"), _aggregate("COUNT", "*", "items")],
                        "groupBy": ["category"],
                    },
                },
            ),
            "histogram": _widget(
                http,
                board_id,
                {
                    "title": "f1 spread",
                    "type": "histogram",
                    "config": {"x_column": "f1"},
                    "query": {"select": [_column("f1")]},
                },
            ),
            "scatter": _widget(
                http,
                board_id,
                {
                    "title": "f1 by n",
                    "type": "scatter",
                    "config": {"x_column": "n"},
                    "query": {"select": [_column("n"), _column("f1"), _column("input")]},
                },
            ),
            "timeseries": _widget(
                http,
                board_id,
                {
                    "title": "f1 by day",
                    "type": "timeseries",
                    "config": {"x_column": "day"},
                    "query": {
                        "select": [_column("day"), _aggregate("AVG", "f1", "mean_f1")],
                        "groupBy": ["day"],
                    },
                },
            ),
            "table": _widget(
                http,
                board_id,
                {
                    "title": "every answer",
                    "type": "table",
                    "query": {
                        "select": [_column("input"), _column("answer"), _column("f1")],
                        "orderBy": [{"column": "n", "direction": "ASC"}],
                    },
                },
            ),
        }
    with api(compared.server, ACCOUNT_B) as http:
        other = http.post(
            "/v5/evaluation-dashboards",
            json={"name": "account b's board", "evaluation_id": seeded.other_evaluation_id},
        )
        assert other.status_code == 200, other.text
    return Dashboard(compared.server, board_id, name, evaluation_id, widgets, other.json()["id"])
