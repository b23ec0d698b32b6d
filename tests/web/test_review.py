"""The review screen (`/review`): a queue's items shown through their layout, answered by
keyboard in the browser (choose, submit, skip, a refused submit, one's own past answers, the
empty queue), and over HTTP the queue list, the evaluation page's link, the files route, two
reviewers of one item, CSRF and isolation between accounts. Each test makes its own queue on
the shared engine server."""

import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from starlette.datastructures import FormData

from tests.annotation.factories import reviewer_key
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server
from tests.web.conftest import api, csrf_of, screenshot, sign_in, web_client
from yardstick.annotation.questions import QueueQuestion
from yardstick.errors import Unprocessable
from yardstick.models import Question
from yardstick.rubric.snapshot import CriterionSnapshot, RubricSnapshot
from yardstick.web.review.form import (
    answers_of,
    controls,
    read_form,
    storable,
    with_answers,
    with_error,
)
from yardstick.web.review.layout import MAX_CHARS, value_block

TASKS = "/v5/annotation-tasks"


def _png(width: int, height: int) -> bytes:
    """An RGB PNG of diagonal stripes (enough of a picture to see in the screenshot)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0"
        + b"".join(
            bytes((200, 60, 40)) if (x + y) // 10 % 2 else bytes((250, 220, 200))
            for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG_WIDTH = 160
PNG = _png(PNG_WIDTH, 90)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.status_code}: {response.text}"
    return response.json()


@dataclass(frozen=True)
class Queue:
    server: Server
    queue_id: str
    evaluation_id: str
    item_ids: list[str]  # row order, the order the queue hands them out
    file_id: str

    def url(self) -> str:
        return f"{self.server.base_url}/review?queue_id={self.queue_id}"


def _question(http: httpx.Client, body: dict[str, Any]) -> str:
    question_id: str = ok(http.post("/v5/questions", json=body))["id"]
    return question_id


def make_queue(
    server: Server, *, items: int, reviewers: int = 1, queue_id: str | None = None
) -> Queue:
    """An evaluation of `items` rows whose two contributor tasks share a queue (a new one, or
    `queue_id`): a required categorical `verdict` and an optional `score` from 0 to 10. Their
    layout shows a text, a markdown text, a JSON object, an image file and a field no row has."""
    queue_id = queue_id or f"review-{uuid.uuid4().hex[:10]}"
    with api(server) as http:
        upload = http.post("/v5/files", files={"file": ("stripes.png", PNG, "image/png")})
        file_id = ok(upload)["id"]
        verdict = _question(
            http,
            {
                "name": "verdict",
                "prompt": "Is the answer right?",
                "question_type": "categorical",
                "configuration": {"choices": ["good", "bad"]},
            },
        )
        score = _question(
            http,
            {
                "name": "score",
                "prompt": "How good, 0 to 10?",
                "question_type": "number",
                "configuration": {"min": 0, "max": 10},
            },
        )
        layout = {
            "direction": "row",
            "children": [
                {
                    "direction": "column",
                    "children": [
                        {"data": "item.input", "label": "Input"},
                        {"data": "item.notes", "label": "Notes"},
                    ],
                },
                {"data": "item.meta", "label": "Meta"},
                {"data": "item.photo", "label": "Photo"},
                {"data": "item.missing", "label": "Missing"},
            ],
        }

        def task(alias: str, question_id: str, **extra: Any) -> dict[str, Any]:
            config = {
                "question_id": question_id,
                "queue_id": queue_id,
                "layout": layout,
                "reviewers_per_item": reviewers,
                **extra,
            }
            return {
                "task_type": "contributor_evaluation.question",
                "alias": alias,
                "configuration": config,
            }

        created = ok(
            http.post(
                "/v5/evaluations",
                json={
                    "name": f"review {queue_id}",
                    "data": [
                        {
                            "input": f"question {i}",
                            "notes": f"**bold {i}** and a list:\n\n- one\n- two",
                            "meta": {"n": i, "tags": ["x", "y"]},
                        }
                        for i in range(items)
                    ],
                    "files": [{"photo": file_id}] * items,
                    "tasks": [
                        task("verdict", verdict),
                        task("score", score, required=False),
                    ],
                },
            )
        )
        listed = ok(http.get("/v5/evaluation-items", params={"evaluation_id": created["id"]}))
    return Queue(server, queue_id, created["id"], [i["id"] for i in listed["items"]], file_id)


def tasks_by_item(server: Server, queue: Queue) -> dict[str, dict[str, Any]]:
    with api(server) as http:
        page = ok(http.get(TASKS, params={"queue_id": queue.queue_id, "limit": 100}))
    return {task["evaluation_item_id"]: task for task in page["items"]}


def view(server: Server, task_id: str) -> dict[str, Any]:
    with api(server) as http:
        found: dict[str, Any] = ok(http.get(f"{TASKS}/{task_id}"))
    return found


@pytest.fixture
def review_page(context: BrowserContext, engine_server: Server) -> Page:
    opened = context.new_page()
    sign_in(opened, engine_server)
    return opened


def _shows_item(page: Page, queue: Queue, index: int) -> None:
    expect(page.locator(".block-text .text").first).to_have_text(f"question {index}")
    expect(page.locator(".review-facts")).to_have_attribute(
        "data-task", re.compile(r".+")
    )  # a task is shown
    assert page.locator("h1 code").inner_text() == queue.item_ids[index]


def test_review_by_keyboard(review_page: Page, engine_server: Server) -> None:
    page = review_page
    queue = make_queue(engine_server, items=3)
    page.goto(queue.url())
    _shows_item(page, queue, 0)

    # The item through its layout: text, markdown, JSON, the image file, an error in place.
    expect(page.locator(".layout-row")).to_have_count(1)
    expect(page.locator(".layout-column")).to_have_count(1)
    expect(page.locator(".block-markdown strong")).to_have_text("bold 0")
    expect(page.locator(".block-json pre")).to_contain_text('"tags": [')
    image = page.locator(".block-image img")
    expect(image).to_have_attribute("src", f"/files/{queue.file_id}/content")
    page.wait_for_function(
        f"document.querySelector('.block-image img').naturalWidth === {PNG_WIDTH}"
    )
    expect(page.locator(".block-empty [data-block-error]")).to_contain_text("item.missing")
    expect(page.locator("[data-review-timer]")).to_have_text(re.compile(r"^\d+:\d\d$"))
    expect(page.locator('fieldset[data-question="verdict"] abbr.required')).to_be_visible()
    screenshot(page, engine_server, "review")

    # `?` lists the screen's keys too, and puts the focus on the help's Close button.
    help_dialog = page.locator("#keys-help")
    page.keyboard.press("?")
    expect(help_dialog).to_contain_text("Skip the item")
    expect(help_dialog.locator("[data-keys-toggle]")).to_be_focused()

    # Enter with the required question unanswered: refused, shown next to the form. Pressed as
    # the help closes, before the dialog's `close` event runs: the focus is still on Close, yet
    # the key is the page's, not the button's (which would open the help again).
    page.evaluate(
        """() => {
            document.getElementById("keys-help").close();
            document.activeElement.dispatchEvent(new KeyboardEvent(
                "keydown", {key: "Enter", bubbles: true, cancelable: true}));
        }"""
    )
    expect(help_dialog).to_be_hidden()
    expect(page.locator("[data-review-error]")).to_contain_text("an answer is required")
    # And so with the keys themselves: Escape, then Enter.
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator("[data-review-error]")).to_contain_text("an answer is required")
    expect(help_dialog).to_be_hidden()
    expect(page.locator('fieldset[data-question="verdict"] [data-question-error]')).to_be_visible()
    _shows_item(page, queue, 0)

    # `1` picks the first choice; a score out of range is refused with every answer kept.
    page.keyboard.press("1")
    verdict = page.locator('input[name="a.verdict"][value="good"]')
    expect(verdict).to_be_checked()
    page.fill('textarea[name="comment"]', "keep me")
    page.fill('input[name="a.score"]', "42")
    page.keyboard.press("Enter")  # in the number field: the form's own submit
    expect(page.locator('fieldset[data-question="score"] [data-question-error]')).to_contain_text(
        "out of range"
    )
    expect(verdict).to_be_checked()
    expect(page.locator('input[name="a.score"]')).to_have_value("42")
    expect(page.locator('textarea[name="comment"]')).to_have_value("keep me")

    page.fill('input[name="a.score"]', "7")
    page.locator('input[name="a.score"]').blur()
    page.keyboard.press("Enter")
    _shows_item(page, queue, 1)
    expect(page.locator(".notice")).to_contain_text("Saved")
    tasks = tasks_by_item(engine_server, queue)
    first = view(engine_server, tasks[queue.item_ids[0]]["id"])
    assert first["status"] == "COMPLETED"
    assert first["answers"] == {"verdict": "good", "score": 7.0}
    assert first["review_comment"] == "keep me"

    # `s` skips: the item goes to the back of the queue and the next one is shown.
    page.keyboard.press("s")
    _shows_item(page, queue, 2)
    expect(page.locator(".notice")).to_contain_text("Skipped")
    tasks = tasks_by_item(engine_server, queue)
    skipped, third = tasks[queue.item_ids[1]], tasks[queue.item_ids[2]]
    assert skipped["status"] == "PENDING" and skipped["assigned_to"] is None
    assert skipped["position"] > third["position"]

    # `2` picks the second choice; then the skipped item comes back. Enter pressed twice
    # sends once: the second post showed its 409 ("Not saved") for the saved answer.
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    _shows_item(page, queue, 1)
    expect(page.locator(".notice")).to_contain_text("Saved")

    # ← walks back through one's own answers, read-only; → returns to the current task.
    page.keyboard.press("ArrowLeft")
    _shows_item(page, queue, 2)
    expect(page.locator('input[name="a.verdict"][value="bad"]')).to_be_checked()
    expect(page.locator('input[name="a.verdict"][value="bad"]')).to_be_disabled()
    expect(page.locator("[data-review-submit]")).to_have_count(0)
    page.keyboard.press("ArrowLeft")
    _shows_item(page, queue, 0)
    expect(page.locator('input[name="a.score"]')).to_have_value("7")
    expect(page.locator('textarea[name="comment"]')).to_have_value("keep me")
    page.keyboard.press("s")  # nothing to skip on a past answer
    page.keyboard.press("ArrowLeft")  # nothing before the first answer
    _shows_item(page, queue, 0)
    page.keyboard.press("ArrowRight")
    _shows_item(page, queue, 2)
    page.keyboard.press("ArrowRight")
    _shows_item(page, queue, 1)
    expect(page.locator("[data-review-submit]")).to_be_visible()

    page.keyboard.press("1")
    page.keyboard.press("Enter")
    empty = page.locator("[data-review-empty]")
    expect(empty).to_contain_text("Nothing left in this queue for you")
    expect(empty).to_contain_text("answered 3 items")
    expect(empty.get_by_role("link", name="Back to the evaluation")).to_have_attribute(
        "href", f"/evaluations/{queue.evaluation_id}"
    )
    assert view(engine_server, skipped["id"])["answers"] == {"verdict": "good"}
    page.keyboard.press("ArrowLeft")  # the last answer, from the empty state too
    _shows_item(page, queue, 1)


@contextmanager
def signed_in(server: Server, key: str, account: str = ACCOUNT_A) -> Iterator[httpx.Client]:
    """A cookie-keeping client signed in with this key (a reviewer's own)."""
    with httpx.Client(base_url=server.base_url, timeout=60, follow_redirects=False) as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={"account_id": account, "api_key": key, "csrf_token": csrf_of(form.text)},
        )
        assert response.status_code == 303, response.text
        yield client


def _post(client: httpx.Client, page: httpx.Response, action: str, **answers: str) -> Any:
    task_id = re.search(r'data-task="([^"]+)"', page.text)
    queue_id = re.search(r'name="queue_id" value="([^"]+)"', page.text)
    assert task_id and queue_id, page.text
    return client.post(
        f"/review/tasks/{task_id.group(1)}/{action}",
        data={"csrf_token": csrf_of(page.text), "queue_id": queue_id.group(1), **answers},
    )


def test_two_reviewers_the_queue_list_links_and_files(engine_server: Server) -> None:
    server = engine_server
    queue = make_queue(server, items=1, reviewers=2)
    second_key, second_user = reviewer_key(server, 0)
    with web_client(server) as first, signed_in(server, second_key) as second:
        # The evaluation page links to its queue; the list counts the queue's tasks (two
        # questions' worth of slots share one task per reviewer: 2 open).
        evaluation = first.get(f"/evaluations/{queue.evaluation_id}")
        assert (
            f"/review?queue_id={queue.queue_id}&amp;evaluation_id={queue.evaluation_id}"
            in evaluation.text
        )
        listed = first.get("/review")
        assert listed.status_code == 200
        row = re.search(rf'data-queue="{queue.queue_id}".*?</tr>', listed.text, re.DOTALL)
        assert row and re.search(r"data-open>\s*2\s*<", row.group(0)), listed.text

        # The first reviewer answers: a form post, then the redirect to the next task.
        page = first.get("/review", params={"queue_id": queue.queue_id})
        assert page.status_code == 200 and "question 0" in page.text
        task_id = re.search(r'data-task="([^"]+)"', page.text)
        assert task_id is not None
        # The API's view of it: the layout's `item.photo` reads the row's attached file.
        with api(server) as http:
            view = http.get(f"/v5/annotation-tasks/{task_id.group(1)}").json()
        shown = [c for c in view["item"]["layout"]["children"] if c.get("data") == "item.photo"]
        assert [c["value"] for c in shown] == [queue.file_id], view["item"]["layout"]
        forged = first.post(
            f"/review/tasks/{task_id.group(1)}/submit",
            data={"csrf_token": "wrong", "queue_id": queue.queue_id, "a.verdict": "bad"},
        )
        assert forged.status_code == 403
        done = _post(first, page, "submit", **{"a.verdict": "bad", "a.score": "3.5"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/review?queue_id={queue.queue_id}&done=submitted"
        # The same form again: the task is done, a 409 shown on the page with the way on.
        again = _post(first, page, "submit", **{"a.verdict": "good"})
        assert again.status_code == 409
        assert "COMPLETED already" in again.text and "Open the queue again" in again.text
        empty = first.get(done.headers["location"])
        assert "Nothing left in this queue for you" in empty.text
        assert "1 open task is held by another reviewer" in empty.text

        # The second reviewer gets the same item (their own slot) and answers it too.
        theirs = second.get("/review", params={"queue_id": queue.queue_id})
        assert "question 0" in theirs.text
        assert _post(second, theirs, "submit", **{"a.verdict": "bad"}).status_code == 303

        # The image is the account's: served inline to it, a 404 page to another account.
        content = first.get(f"/files/{queue.file_id}/content")
        assert content.status_code == 200 and content.content == PNG
        assert content.headers["content-type"] == "image/png"
        assert content.headers["content-disposition"].startswith("inline")
        assert content.headers["content-security-policy"] == "sandbox"
    with web_client(server, ACCOUNT_B) as other:
        assert other.get(f"/files/{queue.file_id}/content").status_code == 404
        assert other.get("/review", params={"queue_id": queue.queue_id}).status_code == 404
        assert queue.queue_id not in other.get("/review").text

    with api(server) as http:
        answered = ok(http.get(TASKS, params={"queue_id": queue.queue_id}))["items"]
        assert {t["status"] for t in answered} == {"COMPLETED"}
        assert second_user in {t["completed_by"] for t in answered}
        assert data_of(http, queue) == {"verdict": "bad", "score": 3.5}
        # An auditor sees both reviewers' answers, must answer nothing, and corrects one.
        auditor_key, auditor = reviewer_key(server, 1)
        audit = {
            "evaluation_id": queue.evaluation_id,
            "queue_id": queue.queue_id,
            "evaluation_item_ids": queue.item_ids,
            "level_1_assigned_to": auditor,
        }
        ok(http.patch(f"{TASKS}/batch", json={"audit_assignment": audit}))
    with signed_in(server, auditor_key) as third:
        page = third.get("/review", params={"queue_id": queue.queue_id})
        reviews = re.search(r"<section class=\"reviews\".*?</section>", page.text, re.DOTALL)
        assert reviews and reviews.group(0).count("<td>bad</td>") == 2, page.text
        assert 'abbr class="required"' not in page.text
        assert _post(third, page, "submit", **{"a.verdict": "good"}).status_code == 303
    with api(server) as http:
        assert data_of(http, queue) == {"verdict": "good", "score": 3.5}
        statuses = [
            t["status"] for t in ok(http.get(TASKS, params={"queue_id": queue.queue_id}))["items"]
        ]
        assert sorted(statuses) == ["COMPLETED", "FIXED", "FIXED"]


def test_the_queue_list_leaves_out_archived_evaluations_tasks(engine_server: Server) -> None:
    """A named queue shared by a live evaluation (1 item) and an archived one (3 items) was
    listed with 4 open tasks; with both archived it was still listed, and its page said its
    tasks were held by another reviewer."""
    live = make_queue(engine_server, items=1)
    gone = make_queue(engine_server, items=3, queue_id=live.queue_id)
    with api(engine_server) as http:
        ok(http.delete(f"/v5/evaluations/{gone.evaluation_id}"))
    with web_client(engine_server) as client:
        listed = client.get("/review").text
        row = re.search(rf'data-queue="{live.queue_id}".*?</tr>', listed, re.DOTALL)
        assert row and re.search(r"data-open>\s*1\s*<", row.group(0)), listed
        with api(engine_server) as http:
            ok(http.delete(f"/v5/evaluations/{live.evaluation_id}"))
        assert f'data-queue="{live.queue_id}"' not in client.get("/review").text
        empty = client.get("/review", params={"queue_id": live.queue_id}).text
        assert "Nothing left in this queue for you" in empty
        assert "held by another reviewer" not in empty


def test_a_form_the_api_would_refuse_is_refused_and_stores_nothing(engine_server: Server) -> None:
    queue = make_queue(engine_server, items=1)
    with web_client(engine_server) as client:
        page = client.get("/review", params={"queue_id": queue.queue_id})
        for sent, message in [
            ({"comment": "c\x00d"}, "comment: the NUL character"),
            ({"a.score": "99999999999999999999999"}, "score: integer outside the 64-bit range"),
        ]:
            refused = _post(client, page, "submit", **{"a.verdict": "good", **sent})
            assert refused.status_code == 422 and message in refused.text, refused.text
    with api(engine_server) as http:
        assert data_of(http, queue) == {"verdict": None, "score": None}
        (task,) = ok(http.get(TASKS, params={"queue_id": queue.queue_id}))["items"]
        assert task["status"] != "COMPLETED" and not task.get("answers")


def data_of(http: httpx.Client, queue: Queue) -> dict[str, Any]:
    """The answers' aggregate in the evaluation's (one) item."""
    listed = ok(http.get("/v5/evaluation-items", params={"evaluation_id": queue.evaluation_id}))
    (item,) = listed["items"]
    return {alias: item["data"].get(alias) for alias in ("verdict", "score")}


# The form and the layout's blocks, without a server ---------------------------------------------


def _asked(alias: str, kind: str, configuration: dict[str, Any], **extra: Any) -> QueueQuestion:
    question = Question(
        name=alias, prompt=f"{alias}?", question_type=kind, configuration=configuration
    )
    return QueueQuestion(alias=alias, question=question, required=True, rubric=extra.get("rubric"))


RUBRIC = RubricSnapshot(
    "rubric-1",
    1,
    (CriterionSnapshot("c1", 1, "clear", None, 1.0), CriterionSnapshot("c2", 1, "kind", None, 3.0)),
)
QUESTIONS = [
    _asked("pick", "categorical", {"choices": ["a", "b", "c"]}),
    _asked("tags", "categorical", {"choices": ["x", "y"], "multi": True}),
    _asked("menu", "categorical", {"choices": ["p", "q"], "dropdown": True}),
    _asked("stars", "rating", {"steps": 5, "min_label": "bad", "max_label": "great"}),
    _asked("long", "rating", {"steps": 20, "min_label": "0", "max_label": "20"}),
    _asked("n", "number", {"min": 0, "max": 1}),
    _asked("why", "free_text", {}),
    _asked("form", "form", {"form_schema": {"type": "object"}}),
    _asked("when", "timestamp", {"multi": True}),
    _asked("scored", "free_text", {}, rubric=RUBRIC),
]


def test_the_form_reads_back_into_the_apis_answers() -> None:
    found = controls(QUESTIONS)
    assert [c.kind for c in found] == [
        "radio",
        "checkbox",
        "select",
        "radio",
        "number",
        "number",
        "textarea",
        "json",
        "textarea",
        "rubric",
    ]
    assert [c.label for c in found[3].choices] == ["1 · bad", "2", "3", "4", "5 · great"]
    sent = FormData(
        [
            ("a.pick", "b"),
            ("a.tags", "x"),
            ("a.tags", "y"),
            ("a.menu", "q"),
            ("a.stars", "4"),
            ("a.long", "17"),
            ("a.n", "0.25"),
            ("a.why", "  because  "),
            ("a.form", '{"k": [1, 2]}'),
            ("a.when", "2024-05-01T13:45:00Z\n\n2024-05-02T00:00:00Z\n"),
            ("r.scored.c1", "1"),
            ("r.scored.c2", "0.5"),
        ]
    )
    read = read_form(found, sent)
    assert answers_of(read) == {
        "pick": "b",
        "tags": ["x", "y"],
        "menu": "q",
        "stars": 4,
        "long": 17,
        "n": 0.25,
        "why": "because",
        "form": {"k": [1, 2]},
        "when": ["2024-05-01T13:45:00Z", "2024-05-02T00:00:00Z"],
        "scored": {"c1": 1, "c2": 0.5},
    }
    # Shown again as submitted: the same fields hold the same values.
    again = with_answers(found, answers_of(read))
    assert answers_of(again) == answers_of(read)
    assert again[1].checked("y") and not again[0].checked("a") and again[2].checked("q")
    # Empty fields are no answers; what does not parse goes on as typed, for the service's check.
    assert answers_of(read_form(found, FormData([("a.why", "   "), ("r.scored.c1", "")]))) == {}
    assert answers_of(read_form(found, FormData([("a.n", "lots")]))) == {"n": "lots"}
    with pytest.raises(Unprocessable) as refused:
        answers_of(read_form(found, FormData([("a.form", "{nope")])))
    marked, message = with_error(found, refused.value)
    assert message.startswith("form: the answer is not valid JSON")
    assert [c.alias for c in marked if c.error] == ["form"]
    # An auditor answers only what they correct: nothing is marked required.
    assert not any(c.required for c in controls(QUESTIONS, audit=True))


def _refused(form: list[tuple[str, str]], comment: str = "") -> tuple[list[Any], str]:
    """Where and why the API's checks refuse what this form sends."""
    with pytest.raises(Unprocessable) as refused:
        storable(answers_of(read_form(controls(QUESTIONS), FormData(form))), comment)
    (problem,) = refused.value.detail
    return problem["loc"], problem["msg"]


def test_the_form_passes_the_checks_of_an_api_body() -> None:
    """What a JSON body may not hold, the form may not send: it used to reach the service,
    and the database (a 500 for JSON nested past what can be written; NUL characters and
    integers past 64 bits stored, the latter as a different float)."""
    deep = "[" * 300 + "]" * 300
    assert _refused([("a.form", f'{{"k": {deep}}}')]) == (
        ["body", "answers", "form", "k", 0],
        "JSON nested deeper than 250 levels",
    )
    loc, msg = _refused([("a.form", '{"k": 1180591620717411303424}')])
    assert (loc, msg.split(" (")[0]) == (
        ["body", "answers", "form", "k"],
        "integer outside the 64-bit range",
    )
    assert _refused([("a.form", '{"k\\u0000": 1}')])[0] == ["body", "answers", "form", "k\x00"]
    assert _refused([("a.why", "a\x00b")]) == (
        ["body", "answers", "why"],
        "the NUL character (\\u0000) is not allowed in text",
    )
    assert _refused([("a.n", "99999999999999999999999")])[0] == ["body", "answers", "n"]
    assert _refused([], comment="c\x00d")[0] == ["body", "comment"]
    storable(answers_of(read_form(controls(QUESTIONS), FormData([("a.form", "[[1]]")]))), "ok")
    # A number that is not finite goes on as typed, so the service's message shows it.
    typed = read_form(controls(QUESTIONS), FormData([("a.n", "nan"), ("a.stars", "1e999")]))
    assert answers_of(typed) == {"n": "nan", "stars": "1e999"}


def test_a_components_value_is_shown_by_kind() -> None:
    assert value_block("a", "plain words, even 3 * 4 = 12").kind == "text"
    assert value_block("a", "# Title\n\nsome *text*").kind == "markdown"
    headed = value_block("a", "# Title\n\n##### Small\n\n###### Least")
    # The page's own <h1> stays its only one: headings go two levels down, at most to <h6>.
    assert "<h3>Title</h3>" in str(headed.html) and "<h1>" not in str(headed.html)
    assert "<h6>Small</h6>" in str(headed.html) and "<h6>Least</h6>" in str(headed.html)
    escaped = value_block("a", "**bold** <script>alert(1)</script>")
    assert escaped.kind == "markdown" and "<script>" not in str(escaped.html)
    assert value_block("a", {"k": 1}).text == '{\n  "k": 1\n}'
    assert value_block("a", ' [1, {"k": 2}] ').kind == "json"  # a string holding JSON
    assert value_block("a", "[not json").kind == "text"
    assert value_block("a", 0.5).text == "0.5" and value_block("a", True).text == "true"
    missing = value_block("a", None, "'item.x': the item has no field 'item.x'")
    assert missing.kind == "empty" and missing.error
    long = value_block("a", "x" * (MAX_CHARS + 5))
    assert long.cut and len(long.text) == MAX_CHARS
