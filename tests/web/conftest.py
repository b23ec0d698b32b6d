"""The web UI's tests: one real run per backend on the shared engine server, one browser.

`seeded` makes, once per backend, an evaluation that exercises every part of the pages: a chat
completion (traced model calls), an f1 metric on its answer (numbers: histogram, score filter,
sort), a question judge (categorical values with a rationale) and a few items whose model call
fails (errors to filter by). Account B gets an evaluation of its own, for the isolation tests.

The browser is Debian's `chromium`, driven by Playwright (`playwright install` is never run:
it downloads from a site CI cannot reach). One browser for the session; each test gets a fresh
context (its own cookies), which costs milliseconds.
"""

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server

CHROMIUM = os.environ.get("YARDSTICK_TEST_CHROMIUM") or shutil.which("chromium") or ""
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


@pytest.fixture
def page(context: BrowserContext, seeded: Seeded) -> Page:
    """A page signed in as account A."""
    opened = context.new_page()
    sign_in(opened, seeded.server)
    return opened
