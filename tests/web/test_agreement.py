"""The evaluation page's agreement card and the agreement page, on one small evaluation per
backend: a question answered by two reviewers (their answers written straight into the
database, as annotation tasks leave them) and prefilled from a column, and an LLM judge asking
the same question (scripted per row on the fake model server). In the browser: the card loads
after the page, and its links lead to the disagreeing items and on to an item. Over plain HTTP:
the judges' figures follow their cells, what the page refuses, and that an evaluation without
contributor tasks has no card."""

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from tests.agreement.helpers import Given, contributor_task, write_answers
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_B, Server
from tests.web.conftest import Seeded, api, screenshot, wait_until_done, web_client
from yardstick.db.engine import create_db_engine
from yardstick.evaluation.results_version import results_changed
from yardstick.models import TaskResult

HUMAN = ["good", "good", "bad", "bad", "good", "bad"]  # prefilled: the aggregated answers
JUDGE = ["good", "bad", "bad", "bad", "good", "good"]  # disagrees on rows 1 and 5
ANN = HUMAN
BOB = ["good", "good", "bad", "good", "good", "bad"]  # disagrees with Ann on row 3


@dataclass(frozen=True)
class Annotated:
    server: Server
    evaluation_id: str
    item_ids: list[str]  # row order


@pytest.fixture(scope="module")
def annotated(engine_server: Server, fake_model_server: FakeModels) -> Annotated:
    tag = uuid.uuid4().hex[:8]
    fake_model_server.control(
        replies_for={
            f"<<{tag}-{i}>>": [f'{{"rationale": "r", "answer": "{answer}"}}']
            for i, answer in enumerate(JUDGE)
        }
    )
    with api(engine_server) as http:
        question = http.post(
            "/v5/questions",
            json={
                "name": "grade",
                "prompt": "Is it good?",
                "question_type": "categorical",
                "configuration": {"choices": ["good", "bad"]},
            },
        ).json()["id"]
        created = http.post(
            "/v5/evaluations",
            json={
                "name": f"agreement {tag}",
                "data": [{"input": f"<<{tag}-{i}>>", "label": h} for i, h in enumerate(HUMAN)],
                "tasks": [
                    contributor_task("review", question, "label"),
                    {
                        "task_type": "auto_evaluation.question",
                        "alias": "verdict",
                        "configuration": {
                            "model": "openai/fake-chat",
                            "question_id": question,
                            "prompt": "Judge {{ item.input }}",
                        },
                    },
                ],
            },
        )
        assert created.status_code == 200, created.text
        evaluation_id = created.json()["id"]
        wait_until_done(http, evaluation_id)
        items = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id})
        item_ids = [item["id"] for item in items.json()["items"]]
    given = [
        Given(i, "review", reviewer, answer, slot)
        for slot, (reviewer, column) in enumerate([("ann", ANN), ("bob", BOB)])
        for i, answer in enumerate(column)
    ]
    database: Engine = create_db_engine(engine_server.database_url)
    try:
        write_answers(database, evaluation_id, item_ids, given)
    finally:
        database.dispose()
    return Annotated(engine_server, evaluation_id, item_ids)


def test_the_card_shows_both_agreements_and_leads_to_the_disagreeing_items(
    page: Page, annotated: Annotated
) -> None:
    base = annotated.server.base_url
    ids = annotated.item_ids
    page.goto(f"{base}/evaluations/{annotated.evaluation_id}")
    card = page.locator('.agreement-card[data-alias="review"]')
    # Two reviewers: Cohen's kappa, the headline; the judge asks the same question.
    expect(card.locator('[data-figure="cohen_kappa"]')).to_be_visible()
    expect(card).to_contain_text("6 items · 2 reviewers · 83.3 % unanimous")
    judge = card.locator('tr[data-judge="verdict"]')
    expect(judge).to_contain_text("Cohen's κ")
    expect(judge.locator("td.num").nth(1)).to_have_text("6")  # items compared
    screenshot(page, annotated.server, "agreement-card")

    judge.get_by_role("link", name="2").click()
    page.wait_for_url(re.compile(r"/agreement\?human=review&judge=verdict#disagreements$"))
    rows = page.locator('table.disagreements[data-of="judge"] tbody tr')
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-item", ids[1])
    expect(rows.nth(1)).to_have_attribute("data-item", ids[5])
    # The human's reviewers come along, below.
    expect(page.locator('section#reviewers-review [data-figure="cohen_kappa"]')).to_be_visible()
    # From the top: scrolled to the anchor, a full-page capture draws the sticky table heads
    # where the scroll left them.
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, annotated.server, "agreement")

    rows.first.locator("a[data-item-link]").click()
    page.wait_for_url(f"{base}/evaluations/{annotated.evaluation_id}/items/{ids[1]}")
    expect(page.locator('section.cell[data-alias="verdict"] pre.value')).to_have_text("bad")

    page.go_back()
    page.go_back()
    card.locator("a[data-link=reviewers]").click()
    page.wait_for_url(re.compile(r"/agreement\?human=review#disagreements$"))
    (row,) = page.locator('table.disagreements[data-of="reviewers"] tbody tr').all()
    assert row.get_attribute("data-item") == ids[3]
    expect(row).to_contain_text("ann: bad")
    expect(row).to_contain_text("bob: good")


def judge_says(annotated: Annotated, item: int, value: str) -> None:
    """Rewrite the judge's cell of one item, as a rerun would (the results version bumped)."""
    database = create_db_engine(annotated.server.database_url)
    try:
        with Session(database) as session, session.begin():
            session.execute(
                update(TaskResult)
                .where(
                    TaskResult.item_id == annotated.item_ids[item], TaskResult.alias == "verdict"
                )
                .values(value=value)
            )
            results_changed(session, [annotated.evaluation_id])
    finally:
        database.dispose()


def test_the_judges_figures_follow_the_cells_and_what_the_page_refuses(
    annotated: Annotated, seeded: Seeded
) -> None:
    path = f"/evaluations/{annotated.evaluation_id}/agreement"
    disagree = re.compile(r'judge=verdict#disagreements">(\d+)</a>')
    with web_client(annotated.server) as web:
        # Kept until the cells change: a judge's new answer shows on the next view.
        assert disagree.findall(web.get(f"{path}/cards").text) == ["2"]
        judge_says(annotated, 0, "bad")
        try:
            assert disagree.findall(web.get(f"{path}/cards").text) == ["3"]
        finally:
            judge_says(annotated, 0, JUDGE[0])

        assert web.get(path, params={"judge": "verdict"}).status_code == 422
        refused = web.get(path, params={"human": "verdict"})
        assert refused.status_code == 422 and "not a contributor alias" in refused.text
        unknown = web.get(path, params={"human": "review", "judge": "nope"})
        assert unknown.status_code == 422 and "&#39;nope&#39;" in unknown.text
        everyone = web.get(path)
        assert everyone.status_code == 200 and 'id="reviewers-review"' in everyone.text
        # The seeded evaluation has judges but no contributor task: no card, no request for one.
        plain = web.get(f"/evaluations/{seeded.evaluation_id}")
        assert plain.status_code == 200 and "/agreement/cards" not in plain.text
    with web_client(annotated.server, ACCOUNT_B) as other:
        assert other.get(path).status_code == 404
        assert other.get(f"{path}/cards").status_code == 404


def test_the_card_passes_over_judges_of_another_kind(engine_server: Server) -> None:
    """A numeric contributor alias whose first judges answer labels: the card shows the first
    comparable judge after them (it once cut the list to four before leaving any out)."""
    judged = re.compile(r"judge=(\w+)#disagreements")
    with api(engine_server) as http:
        number = http.post(
            "/v5/questions",
            json={"name": "score", "prompt": "Score?", "question_type": "number"},
        ).json()["id"]
        labels = http.post(
            "/v5/questions",
            json={
                "name": "grade",
                "prompt": "Is it good?",
                "question_type": "categorical",
                "configuration": {"choices": ["good", "bad"]},
            },
        ).json()["id"]
        label_judges = [
            {
                "task_type": "auto_evaluation.question",
                "alias": f"label{n}",
                "configuration": {
                    "model": "openai/fake-chat",
                    "question_id": labels,
                    "prompt": "Judge {{ item.input }}",
                },
            }
            for n in range(4)
        ]
        exact = {
            "task_type": "metric",
            "alias": "exact",
            "configuration": {"type": "f1", "candidate": "item.input", "reference": "item.gold"},
        }
        created = http.post(
            "/v5/evaluations",
            json={
                "name": "kinds",
                "data": [
                    {"input": "a b", "gold": gold, "score": score}
                    for gold, score in (("a b", 1), ("c", 0), ("a b", 1), ("a", 0))
                ],
                "tasks": [contributor_task("human", number, "score"), *label_judges, exact],
            },
        )
        assert created.status_code == 200, created.text
        evaluation_id = created.json()["id"]
        wait_until_done(http, evaluation_id)
    with web_client(engine_server) as web:
        cards = web.get(f"/evaluations/{evaluation_id}/agreement/cards")
    assert cards.status_code == 200, cards.text
    assert judged.findall(cards.text) == ["exact"]
