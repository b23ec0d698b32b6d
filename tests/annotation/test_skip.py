"""Claims and skips in queues with several reviewers per item (found by probing)."""

import httpx

from tests.annotation.factories import (
    TASKS,
    Reviewer,
    claim,
    ok,
    submit,
    tasks_of,
    yes_no_queue,
)


def test_a_skipped_item_is_not_handed_straight_back_through_its_next_slot(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, named = yes_no_queue(http, [{"input": f"row {i}"} for i in range(3)], reviewers=2)
    alice, bob = reviewers[0], reviewers[1]
    first = claim(alice.http, named)
    assert first is not None
    skipped = first["evaluation_item_id"]
    ok(alice.http.post(f"{TASKS}/{first['id']}/skip"))
    # The whole item went to the back: neither the skipper nor anyone else gets it before the
    # items behind it.
    for person in (alice, bob):
        task = claim(person.http, named)
        assert task is not None and task["evaluation_item_id"] != skipped
    positions = {
        t["slot"]: t["position"]
        for t in tasks_of(http, evaluation_id=eid)
        if t["evaluation_item_id"] == skipped
    }
    assert positions == {0: 3, 1: 3}
    # It is still answered in the end, by each of them once.
    done: dict[str, list[str]] = {}
    for person in (alice, bob):
        while (task := claim(person.http, named)) is not None:
            ok(submit(person.http, task["id"], {"ok": "yes"}))
            done.setdefault(person.user_id, []).append(task["evaluation_item_id"])
    assert {t["status"] for t in tasks_of(http, evaluation_id=eid)} == {"COMPLETED"}
    assert all(len(items) == len(set(items)) for items in done.values())


def test_a_skipped_audit_stays_with_its_auditor_behind_their_other_audits(
    http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, named = yes_no_queue(http, [{"input": "a"}, {"input": "b"}], reviewers=1)
    alice, auditor = reviewers[0], reviewers[1]
    while (task := claim(alice.http, named)) is not None:
        ok(submit(alice.http, task["id"], {"ok": "yes"}))
    items = [t["evaluation_item_id"] for t in tasks_of(http, evaluation_id=eid)]
    assignment = {"evaluation_id": eid, "queue_id": named, "evaluation_item_ids": items}
    assignment["level_1_assigned_to"] = auditor.user_id
    audits = ok(http.patch(f"{TASKS}/batch", json={"audit_assignment": assignment}))["items"]
    first = claim(auditor.http, named)
    assert first is not None and first["id"] == audits[0]["id"]
    skipped = ok(auditor.http.post(f"{TASKS}/{first['id']}/skip"))
    # Still the auditor's (nobody else is handed audits), reserved without a lock, and last.
    assert (skipped["assigned_to"], skipped["assignment_expires_at"]) == (auditor.user_id, None)
    second = claim(auditor.http, named)
    assert second is not None and second["id"] == audits[1]["id"]
    ok(submit(auditor.http, second["id"], {"ok": "no"}))
    last = claim(auditor.http, named)
    assert last is not None and last["id"] == first["id"]
    ok(submit(auditor.http, last["id"], {"ok": "no"}))
    assert [
        row["data"]["ok"]
        for row in ok(http.get("/v5/evaluation-items", params={"evaluation_id": eid}))["items"]
    ] == ["no", "no"]
