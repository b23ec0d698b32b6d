"""Submitting answers: checked against each question, stored per reviewer, and turned into the
item's result once every reviewer has answered (majority, mean, rubric score)."""

from typing import Any

import httpx
import pytest

from tests.annotation.factories import (
    TASKS,
    Reviewer,
    claim,
    contributor,
    evaluation,
    items_of,
    ok,
    question,
    queue,
    submit,
    tasks_of,
)

CHOICES = {"choices": ["good", "bad", "ugly"]}
RATING = {"min_label": "poor", "max_label": "great", "steps": 5}


def _answer_all(reviewers: list[Reviewer], queue_id: str, answers: list[dict[str, Any]]) -> None:
    """Each reviewer in turn claims their next task and submits their answers."""
    for reviewer, given in zip(reviewers, answers, strict=True):
        task = claim(reviewer.http, queue_id)
        assert task is not None
        ok(submit(reviewer.http, task["id"], given))


def test_three_reviewers_give_the_majority_label_and_the_mean_rating(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    named = queue()
    label, stars = question(http, "categorical", CHOICES), question(http, "rating", RATING)
    created = evaluation(
        http,
        [{"input": "one", "old_label": "ugly"}],
        [
            contributor(
                "label", label, queue_id=named, reviewers_per_item=3, prefill_from="old_label"
            ),
            contributor("stars", stars, queue_id=named, reviewers_per_item=3),
        ],
    )
    assert items_of(http, created["id"])[0]["task_result_statuses"]["label"] == "prefilled"
    answers = [
        {"label": "good", "stars": 4},
        {"label": "bad", "stars": 5},
        {"label": "good", "stars": 5},
    ]
    _answer_all(reviewers[:2], named, answers[:2])
    # Two of three: no result yet (the prefilled value stands).
    assert items_of(http, created["id"])[0]["data"]["label"] == "ugly"
    _answer_all(reviewers[2:], named, answers[2:])
    (item,) = items_of(http, created["id"])
    assert item["data"]["label"] == "good" and item["data"]["stars"] == pytest.approx(14 / 3)
    assert item["task_result_statuses"] == {"label": "completed", "stars": "completed"}
    details = item["task_metadata"]["label"]
    assert (details["source"], details["method"], details["agreement"]) == (
        "annotation",
        "majority",
        2,
    )
    assert [r["reviewer"] for r in details["reviewers"]] == [r.user_id for r in reviewers]
    assert item["task_metadata"]["stars"]["method"] == "mean"


def test_a_tie_goes_to_the_answer_submitted_first(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    named = queue()
    label = question(http, "categorical", CHOICES)
    created = evaluation(
        http, [{"input": "x"}], [contributor("label", label, queue_id=named, reviewers_per_item=2)]
    )
    _answer_all(reviewers[:2], named, [{"label": "bad"}, {"label": "good"}])
    (item,) = items_of(http, created["id"])
    assert item["data"]["label"] == "bad"
    assert item["task_metadata"]["label"]["agreement"] == 1


def test_a_rubric_question_scores_each_criterion(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    rubric = ok(
        http.post(
            "/v5/rubrics",
            json={
                "title": "grounded",
                "criteria": [{"title": "cites", "weight": 3}, {"title": "answers"}],
            },
        )
    )
    cites, answers = (c["id"] for c in rubric["criteria"])
    named = queue()
    score = question(http, "number", {"min": 0, "max": 1})
    created = evaluation(
        http,
        [{"input": "x"}],
        [contributor("score", score, queue_id=named, rubric_id=rubric["id"])],
    )
    pinned = created["tasks"][0]["configuration"]
    assert (pinned["rubric_version"], len(pinned["rubric_criteria"])) == (1, 2)
    task = claim(reviewers[0].http, named)
    assert task is not None
    view = ok(http.get(f"{TASKS}/{task['id']}"))
    assert [c["id"] for c in view["questions"][0]["rubric"]["criteria"]] == [cites, answers]
    for bad, loc in (
        ({cites: 1}, [answers]),
        ({cites: 1, answers: 2}, [answers]),
        ({cites: 1, answers: 0, "nope": 1}, ["nope"]),
        (0.5, []),
    ):
        refused = submit(reviewers[0].http, task["id"], {"score": bad})
        assert ok(refused, 422)["detail"][0]["loc"] == ["body", "answers", "score", *loc]
    ok(submit(reviewers[0].http, task["id"], {"score": {cites: 1, answers: 0.5}}))
    (item,) = items_of(http, created["id"])
    assert item["data"]["score"] == pytest.approx((3 * 1 + 1 * 0.5) / 4)
    criteria = item["task_metadata"]["score"]["criteria"]
    assert [(c["id"], c["score"]) for c in criteria] == [(cites, 1.0), (answers, 0.5)]
    # The view gives the answer back as it was sent.
    assert ok(http.get(f"{TASKS}/{task['id']}"))["answers"] == {"score": {cites: 1.0, answers: 0.5}}


def test_the_view_shows_the_item_through_the_layout(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    named = queue()
    label = question(http, "categorical", {**CHOICES, "multi": True})
    note = question(http, "free_text", {"max_length": 20})
    layout = {
        "direction": "row",
        "children": [
            {"data": "item.input", "label": "Q"},
            {"data": "item.meta.lang"},
            {"data": "item.gone"},
        ],
    }
    created = evaluation(
        http,
        [{"input": "hello", "meta": {"lang": "en"}}],
        [
            contributor("labels", label, queue_id=named, layout=layout),
            contributor("note", note, queue_id=named, required=False),
        ],
    )
    task = claim(reviewers[0].http, named)
    assert task is not None
    view = ok(reviewers[0].http.get(f"{TASKS}/{task['id']}"))
    assert view["id"] == task["id"] and view["answers"] is None and view["reviews"] is None
    children = view["item"]["layout"]["children"]
    # Two layouts in the queue: shown one after the other.
    assert [c["value"] for c in children[0]["children"][:2]] == ["hello", "en"]
    assert (
        children[0]["children"][2]["value"] is None
        and "gone" in children[0]["children"][2]["error"]
    )
    assert children[1]["children"][0] == {"data": "item.input", "label": "Input", "value": "hello"}
    assert [
        (q["alias"], q["required"], q["question"]["question_type"]) for q in view["questions"]
    ] == [
        ("labels", True, "categorical"),
        ("note", False, "free_text"),
    ]
    # Optional questions may be left out; multi choices come back in the choices' order.
    done = ok(submit(reviewers[0].http, task["id"], {"labels": ["ugly", "good"]}, comment="hm"))
    assert (done["status"], done["review_comment"], done["completed_by"]) == (
        "COMPLETED",
        "hm",
        reviewers[0].user_id,
    )
    assert isinstance(done["duration_seconds"], int)
    (item,) = items_of(http, created["id"])
    assert item["data"]["labels"] == ["good", "ugly"]
    assert item["task_result_statuses"]["note"] == "skipped"


def test_bad_answers_are_422s_naming_the_field_and_store_nothing(
    http: httpx.Client, reviewers: list[Reviewer], other_http: httpx.Client
) -> None:
    named = queue()
    label, stars = question(http, "categorical", CHOICES), question(http, "rating", RATING)
    created = evaluation(
        http,
        [{"input": "x"}],
        [contributor("label", label, queue_id=named), contributor("stars", stars, queue_id=named)],
    )
    (only,) = tasks_of(http, evaluation_id=created["id"])
    alice, bob = reviewers[0], reviewers[1]
    assert submit(alice.http, only["id"], {"label": "good", "stars": 3}).status_code == 409
    task = claim(alice.http, named)
    assert task is not None
    for answers, alias in (
        ({"label": "nice", "stars": 3}, "label"),
        ({"label": "good", "stars": 6}, "stars"),
        ({"label": "good", "stars": "3"}, "stars"),
        ({"label": "good"}, "stars"),
        ({"label": "good", "stars": None}, "stars"),
        ({"label": "good", "stars": 3, "extra": 1}, "extra"),
    ):
        error = ok(submit(alice.http, task["id"], answers), 422)["detail"][0]
        assert error["loc"] == ["body", "answers", alias], answers
    assert submit(bob.http, task["id"], {"label": "good", "stars": 3}).status_code == 409
    assert submit(other_http, task["id"], {"label": "good", "stars": 3}).status_code == 404
    assert other_http.get(f"{TASKS}/{task['id']}").status_code == 404
    assert other_http.post(f"{TASKS}/{task['id']}/skip").status_code == 404
    assert ok(other_http.get(TASKS, params={"evaluation_id": created["id"]}))["items"] == []
    unchanged = ok(http.get(f"{TASKS}/{task['id']}"))
    assert (unchanged["status"], unchanged["answers"]) == ("PENDING", None)
    assert items_of(http, created["id"])[0]["task_result_statuses"]["label"] == "pending"

    ok(submit(alice.http, task["id"], {"label": "good", "stars": 3}))
    twice = submit(alice.http, task["id"], {"label": "bad", "stars": 3})
    assert twice.status_code == 409 and "COMPLETED" in twice.json()["detail"]
    assert items_of(http, created["id"])[0]["data"]["label"] == "good"
