"""User text in the browser: bidi controls in a name must not reorder the page's own words
beside it, and the evaluations list's tag search takes "a, b" as typed by people."""

import uuid
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.fixtures.server import Server
from tests.web.conftest import api, sign_in

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: shows all that follows it in its paragraph reversed

# Whether a locator's first text node is drawn left to right: its first character left of its
# last. A bidi override leaking into it from the text before draws it mirrored.
READS_LEFT_TO_RIGHT = """el => {
  const text = [...el.childNodes].find(n => n.nodeType === Node.TEXT_NODE && n.data.trim());
  const range = document.createRange();
  const left = (i) => { range.setStart(text, i); range.setEnd(text, i + 1);
                        return range.getBoundingClientRect().left; };
  const first = text.data.search(/\\S/);
  return left(first) < left(text.data.trimEnd().length - 1);
}"""


def reads_left_to_right(locator: Locator) -> bool:
    expect(locator).to_be_visible()
    result: bool = locator.evaluate(READS_LEFT_TO_RIGHT)
    return result


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def signed_in(context: BrowserContext, engine_server: Server) -> Page:
    opened = context.new_page()
    sign_in(opened, engine_server)
    return opened


def test_a_right_to_left_override_in_a_name_stays_inside_it(
    signed_in: Page, engine_server: Server
) -> None:
    page = signed_in
    base = engine_server.base_url
    queue_id = f"queue-{uuid.uuid4().hex[:8]}"
    with api(engine_server) as http:
        question = ok(
            http.post(
                "/v5/questions",
                json={
                    "name": "verdict",
                    "prompt": f"Is it right? {RLO}backwards",
                    "question_type": "categorical",
                    "configuration": {"choices": ["yes", "no"]},
                },
            )
        )
        evaluation = ok(
            http.post(
                "/v5/evaluations",
                json={
                    "name": f"spoofed {RLO}name",
                    "data": [{"input": "an item"}],
                    "tasks": [
                        {
                            "task_type": "contributor_evaluation.question",
                            "alias": "verdict",
                            "configuration": {
                                "question_id": question["id"],
                                "queue_id": queue_id,
                                "layout": {"children": [{"data": "item.input", "label": "Input"}]},
                            },
                        }
                    ],
                },
            )
        )
        board = ok(
            http.post(
                "/v5/evaluation-dashboards",
                json={"name": "bidi board", "evaluation_id": evaluation["id"]},
            )
        )
        ok(
            http.post(
                f"/v5/evaluation-dashboards/{board['id']}/widgets",
                json={
                    "title": f"notes {RLO}reversed",
                    "type": "markdown",
                    "config": {"content": "text"},
                },
            )
        )

    # The review screen: the queue id after the evaluation's name, the alias after the prompt.
    page.goto(f"{base}/review?queue_id={queue_id}")
    assert reads_left_to_right(page.locator("p.crumbs code", has_text=queue_id))
    assert reads_left_to_right(page.locator("legend .muted", has_text="verdict"))

    # A dashboard widget: its type after its title.
    page.goto(f"{base}/dashboards/{board['id']}")
    assert reads_left_to_right(page.locator('[data-type="markdown"] h3 .muted'))


def test_the_tag_search_takes_a_comma_list_with_spaces(
    signed_in: Page, engine_server: Server
) -> None:
    page = signed_in
    first, second = (f"tag-{uuid.uuid4().hex[:6]}" for _ in range(2))
    padded = f"padded {first}"
    with api(engine_server) as http:
        for name, tag in ((first, first), (second, second), (padded, f" {first} ")):
            ok(
                http.post(
                    "/v5/evaluations",
                    json={"name": name, "tags": [tag], "data": [{"a": 1}], "tasks": []},
                )
            )
    page.fill("input[name=tag]", f"{first}, {second}")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=padded)).to_have_count(0)  # " tag " was not asked for
    expect(page.locator("input[name=tag]")).to_have_value(f"{first}, {second}")

    # A padded tag's chip still finds its evaluation; so does the chip of a tag with a comma.
    page.goto(f"{engine_server.base_url}/evaluations?name={padded}")
    page.locator("a.tag").click()
    expect(rows.filter(has_text=padded)).to_have_count(1)
    comma = f"comma {first}"
    with api(engine_server) as http:
        body = {"name": comma, "tags": [f"{first}x,{second}x"], "data": [{"a": 1}], "tasks": []}
        ok(http.post("/v5/evaluations", json=body))
    page.goto(f"{engine_server.base_url}/evaluations?name={comma}")
    page.locator("a.tag").click()
    expect(rows.filter(has_text=comma)).to_have_count(1)
