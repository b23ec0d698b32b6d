"""Claiming: the next task for the caller, locked to them; never one task for two people, never
one item twice for one person; expired locks free again; skips go to the back."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.annotation.factories import (
    TASKS,
    Reviewer,
    claim,
    expire,
    ok,
    submit,
    tasks_of,
    yes_no_queue,
)
from tests.fixtures.server import ACCOUNT_A, Server
from yardstick.annotation.service import annotation_service
from yardstick.auth.service import Principal
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory

ROWS = [{"input": f"row {i}"} for i in range(3)]


def test_claims_hand_out_the_queue_in_order_and_keep_what_one_holds(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, named = yes_no_queue(http, ROWS)
    order = [t["id"] for t in tasks_of(http, evaluation_id=eid)]
    alice, bob = reviewers[0], reviewers[1]
    first = claim(alice.http, named)
    assert first is not None and first["id"] == order[0]
    assert first["assigned_to"] == alice.user_id
    expires = datetime.fromisoformat(first["assignment_expires_at"])
    claimed = datetime.fromisoformat(first["claimed_at"])
    assert expires - claimed == timedelta(seconds=900)  # YARDSTICK_ANNOTATION_LOCK_SECONDS
    # Claiming again gives back what one holds, its lock renewed and its claim time kept (the
    # time spent counts from the first claim); someone else gets the next one.
    again = claim(alice.http, named)
    assert again is not None and again["id"] == order[0]
    assert again["claimed_at"] == first["claimed_at"]
    assert again["assignment_expires_at"] >= first["assignment_expires_at"]
    second = claim(bob.http, named, evaluation_id=eid)
    assert second is not None and second["id"] == order[1]
    # Skipped: released, and behind everything else in the queue.
    skipped = ok(alice.http.post(f"{TASKS}/{order[0]}/skip"))
    assert (skipped["assigned_to"], skipped["assignment_expires_at"]) == (None, None)
    assert skipped["position"] == 3
    third = claim(alice.http, named)
    assert third is not None and third["id"] == order[2]
    assert ok(submit(alice.http, order[2], {"ok": "yes"}))["status"] == "COMPLETED"
    fourth = claim(alice.http, named)
    assert fourth is not None and fourth["id"] == order[0]  # the skipped one, last
    assert ok(submit(alice.http, order[0], {"ok": "no"}))["status"] == "COMPLETED"
    assert claim(alice.http, named) is None  # bob holds the last one: nothing left
    # A skip needs the task held; an unknown queue is a 404 naming it.
    assert alice.http.post(f"{TASKS}/{order[1]}/skip").status_code == 409
    missing = alice.http.post(f"{TASKS}/claim", json={"queue_id": "no-such-queue"})
    assert missing.status_code == 404 and "no-such-queue" in missing.json()["detail"]
    elsewhere = alice.http.post(
        f"{TASKS}/claim", json={"queue_id": named, "evaluation_id": "no-such-evaluation"}
    )
    assert elsewhere.status_code == 404


def test_a_person_answers_an_item_once_however_many_reviewers_it_needs(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, named = yes_no_queue(http, ROWS[:2], reviewers=3)
    alice = reviewers[0]
    seen = []
    while (task := claim(alice.http, named)) is not None:
        seen.append(task["evaluation_item_id"])
        ok(submit(alice.http, task["id"], {"ok": "yes"}))
    assert len(seen) == 2 and len(set(seen)) == 2
    assert len(tasks_of(http, evaluation_id=eid, status="pending")) == 4


@pytest.mark.parametrize("people", [2, 3])
def test_concurrent_claims_never_hand_out_one_task_twice(
    http: httpx.Client, reviewers: list[Reviewer], people: int
) -> None:
    reviewers = reviewers[:people]
    eid, named = yes_no_queue(http, [{"input": f"row {i}"} for i in range(4)], reviewers=2)

    def work(reviewer: Reviewer) -> list[dict[str, Any]]:
        taken = []
        while (task := claim(reviewer.http, named)) is not None:
            taken.append(task)
            ok(submit(reviewer.http, task["id"], {"ok": "yes"}))
        return taken

    with ThreadPoolExecutor(len(reviewers)) as pool:
        results = list(pool.map(work, reviewers))
    ids = [task["id"] for taken in results for task in taken]
    assert len(ids) == len(set(ids)) == 8  # every slot, each to one person
    for reviewer, taken in zip(reviewers, results, strict=True):
        items = [task["evaluation_item_id"] for task in taken]
        assert len(items) == len(set(items))
        assert all(task["assigned_to"] == reviewer.user_id for task in taken)
    assert {t["status"] for t in tasks_of(http, evaluation_id=eid)} == {"COMPLETED"}


def test_an_expired_lock_frees_the_task(
    http: httpx.Client, server: Server, reviewers: list[Reviewer]
) -> None:
    _, named = yes_no_queue(http, ROWS[:1])
    alice, bob = reviewers[0], reviewers[1]
    held = claim(alice.http, named)
    assert held is not None
    assert claim(bob.http, named) is None
    expire(server, held["id"], datetime.now(UTC) - timedelta(seconds=1))
    late = submit(alice.http, held["id"], {"ok": "yes"})
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    taken = claim(bob.http, named)
    assert taken is not None and (taken["id"], taken["assigned_to"]) == (held["id"], bob.user_id)
    assert submit(alice.http, held["id"], {"ok": "yes"}).status_code == 409
    assert ok(submit(bob.http, held["id"], {"ok": "no"}))["completed_by"] == bob.user_id


def test_history_is_the_callers_own_tasks_most_recent_first(
    http: httpx.Client, server: Server, reviewers: list[Reviewer]
) -> None:
    eid, named = yes_no_queue(http, ROWS)
    alice, bob = reviewers[0], reviewers[1]
    done = claim(alice.http, named)
    assert done is not None
    # A flag is a JSON boolean: "no" is refused, not read as one.
    refused = submit(alice.http, done["id"], {"ok": "yes"}, flagged_for_review="no")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "flagged_for_review"]
    ok(submit(alice.http, done["id"], {"ok": "yes"}, flagged_for_review=True))
    held = claim(alice.http, named)
    assert held is not None and claim(bob.http, named) is not None
    listed = tasks_of(http, evaluation_id=eid, assigned_to=alice.user_id)
    assert [t["id"] for t in listed] == [done["id"], held["id"]]
    assert listed[0]["flagged_for_review"] is True
    engine = create_db_engine(server.database_url)
    try:
        with SessionFactory(engine).write() as session:
            mine = annotation_service.history(session, Principal(ACCOUNT_A, alice.user_id), named)
            assert [task.id for task in mine] == [held["id"], done["id"]]
    finally:
        engine.dispose()


def test_an_archived_evaluations_tasks_are_not_handed_out(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, named = yes_no_queue(http, ROWS[:2])
    alice = reviewers[0]
    held = claim(alice.http, named)
    assert held is not None
    ok(http.delete(f"/v5/evaluations/{eid}"))
    refused = submit(alice.http, held["id"], {"ok": "yes"})
    assert refused.status_code == 409 and "archived" in refused.json()["detail"]
    assert claim(alice.http, named) is None
    ok(http.patch(f"/v5/evaluations/{eid}", json={"restore": True}))
    assert ok(submit(alice.http, held["id"], {"ok": "yes"}))["status"] == "COMPLETED"
