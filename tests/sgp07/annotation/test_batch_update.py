"""`client.annotation_tasks.batch_update`: assignments, redos and forced completions by id, and
audit assignments; every refusal changes nothing."""

from typing import Any

import httpx
import pytest
from scale_gp_beta import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SGPClient,
    UnprocessableEntityError,
)

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
    reviewer_key,
    submit,
    tasks_of,
)
from tests.conftest import make_client
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server

CHOICES = {"choices": ["good", "bad"]}


def _setup(http: httpx.Client, rows: int, reviewers: int) -> tuple[str, str]:
    named = queue()
    label = question(http, "categorical", CHOICES)
    created = evaluation(
        http,
        [{"input": f"row {i}"} for i in range(rows)],
        [contributor("label", label, queue_id=named, reviewers_per_item=reviewers)],
    )
    return created["id"], named


def _as(server: Server, reviewer: int) -> SGPClient:
    key, _ = reviewer_key(server, reviewer)
    return SGPClient(api_key=key, account_id=ACCOUNT_A, base_url=server.base_url)


def test_ids_mode_assigns_reserves_and_completes(
    client: SGPClient, http: httpx.Client, server: Server, reviewers: list[Reviewer]
) -> None:
    eid, named = _setup(http, rows=2, reviewers=1)
    first, last = (t["id"] for t in tasks_of(http, evaluation_id=eid))
    alice, bob = reviewers[0], reviewers[1]
    changed = client.annotation_tasks.batch_update(
        ids=[last, "no-such-task"], assigned_to=alice.user_id
    )
    assert [(t.id, t.assigned_to, t.assignment_expires_at) for t in changed.items] == [
        (last, alice.user_id, None)
    ]
    assert changed.object == "list" and changed.items[0].task_type == "CONTRIBUTOR_ANNOTATION"
    # Reserved for alice: bob gets the other one, alice hers first.
    assert (claim(bob.http, named) or {}).get("id") == first
    assert (claim(alice.http, named) or {}).get("id") == last
    # Any key may assign; changing the status is the evaluation creator's.
    with pytest.raises(PermissionDeniedError):
        _as(server, 1).annotation_tasks.batch_update(ids=[first], status="COMPLETED")
    forced = client.annotation_tasks.batch_update(ids=[first], status="COMPLETED")
    assert forced.items[0].status == "COMPLETED"
    with pytest.raises(ConflictError):  # a done task keeps its person
        client.annotation_tasks.batch_update(ids=[first], assigned_to=alice.user_id)
    with pytest.raises(UnprocessableEntityError):  # a person is an API key of the account
        client.annotation_tasks.batch_update(ids=[last], assigned_to="nobody")
    assert tasks_of(http, evaluation_id=eid)[0]["assigned_to"] == bob.user_id


def test_one_person_never_gets_two_slots_of_an_item(
    client: SGPClient, http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, _ = _setup(http, rows=1, reviewers=2)
    slot_0, slot_1 = (t["id"] for t in tasks_of(http, evaluation_id=eid))
    alice = reviewers[0]
    with pytest.raises(ConflictError):
        client.annotation_tasks.batch_update(ids=[slot_0, slot_1], assigned_to=alice.user_id)
    client.annotation_tasks.batch_update(ids=[slot_0], assigned_to=alice.user_id)
    with pytest.raises(ConflictError):
        client.annotation_tasks.batch_update(ids=[slot_1], assigned_to=alice.user_id)
    assert [t["assigned_to"] for t in tasks_of(http, evaluation_id=eid)] == [alice.user_id, None]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "ids"]),
        ({"ids": ["x"]}, ["body", "assigned_to"]),
        ({"ids": ["x"], "status": "PENDING"}, ["body", "status"]),
        (
            {
                "ids": ["x"],
                "audit_assignment": {
                    "evaluation_id": "e",
                    "queue_id": "q",
                    "evaluation_item_ids": ["i"],
                },
            },
            ["body", "audit_assignment"],
        ),
        (
            {
                "status": "COMPLETED",
                "audit_assignment": {
                    "evaluation_id": "e",
                    "queue_id": "q",
                    "evaluation_item_ids": ["i"],
                },
            },
            ["body", "status"],
        ),
        # Not a key of the account: refused even when no id matches (it was a 200 then).
        ({"ids": ["x"], "assigned_to": "nobody"}, ["body", "assigned_to"]),
    ],
)
def test_bad_bodies_are_422s_naming_the_field(
    http: httpx.Client, body: dict[str, Any], loc: list[Any]
) -> None:
    response = http.patch(f"{TASKS}/batch", json=body)
    assert ok(response, 422)["detail"][0]["loc"] == loc


def test_a_redo_goes_back_to_its_reviewer_and_replaces_the_result(
    client: SGPClient, http: httpx.Client, reviewers: list[Reviewer]
) -> None:
    eid, named = _setup(http, rows=1, reviewers=1)
    alice, bob = reviewers[0], reviewers[1]
    task = claim(alice.http, named)
    assert task is not None
    with pytest.raises(ConflictError):  # nothing to redo yet
        client.annotation_tasks.batch_update(ids=[task["id"]], status="PENDING_REDO")
    ok(submit(alice.http, task["id"], {"label": "good"}))
    assert items_of(http, eid)[0]["data"]["label"] == "good"
    # Any case, as SGP's docstring spells it.
    redo = ok(http.patch(f"{TASKS}/batch", json={"ids": [task["id"]], "status": "pending_redo"}))
    assert [(t["status"], t["assigned_to"]) for t in redo["items"]] == [
        ("PENDING_REDO", alice.user_id)
    ]
    assert claim(bob.http, named) is None
    again = claim(alice.http, named)
    assert again is not None and again["id"] == task["id"]
    assert ok(alice.http.get(f"{TASKS}/{task['id']}"))["answers"] == {"label": "good"}
    ok(submit(alice.http, task["id"], {"label": "bad"}))
    (item,) = items_of(http, eid)
    assert item["data"]["label"] == "bad"
    assert [r["value"] for r in item["task_metadata"]["label"]["reviewers"]] == ["bad"]


def test_audits_are_assigned_by_level_and_correct_the_result(
    client: SGPClient, http: httpx.Client, server: Server, reviewers: list[Reviewer]
) -> None:
    eid, named = _setup(http, rows=1, reviewers=2)
    alice, bob, carol = reviewers
    for reviewer in (alice, bob):
        task = claim(reviewer.http, named)
        assert task is not None
        ok(submit(reviewer.http, task["id"], {"label": "good"}))
    (item,) = items_of(http, eid)
    audit = {"evaluation_id": eid, "queue_id": named, "evaluation_item_ids": [item["id"]]}

    with pytest.raises(UnprocessableEntityError):  # no level 1 auditor yet
        client.annotation_tasks.batch_update(
            audit_assignment={**audit, "level_2_assigned_to": bob.user_id}
        )
    with pytest.raises(UnprocessableEntityError):
        client.annotation_tasks.batch_update(audit_assignment={**audit, "queue_id": "other"})
    with pytest.raises(UnprocessableEntityError):
        client.annotation_tasks.batch_update(
            audit_assignment={
                **audit,
                "evaluation_item_ids": ["nope"],
                "level_1_assigned_to": carol.user_id,
            }
        )
    with pytest.raises(NotFoundError):
        client.annotation_tasks.batch_update(
            audit_assignment={
                **audit,
                "evaluation_id": "nope",
                "level_1_assigned_to": carol.user_id,
            }
        )
    with pytest.raises(PermissionDeniedError):
        _as(server, 0).annotation_tasks.batch_update(
            audit_assignment={**audit, "level_1_assigned_to": carol.user_id}
        )
    assert len(tasks_of(http, evaluation_id=eid)) == 2  # nothing made

    made = client.annotation_tasks.batch_update(
        audit_assignment={**audit, "level_1_assigned_to": carol.user_id}
    )
    (level_1,) = made.items
    assert (level_1.task_type, level_1.status, level_1.assigned_to) == (
        "CONTRIBUTOR_AUDIT",
        "PENDING",  # the reviewers are done
        carol.user_id,
    )
    claimed = claim(carol.http, named)
    assert claimed is not None and claimed["id"] == level_1.id
    view = ok(carol.http.get(f"{TASKS}/{level_1.id}"))
    assert [r["answers"] for r in view["reviews"]] == [{"label": "good"}, {"label": "good"}]
    ok(submit(carol.http, level_1.id, {"label": "bad"}))
    (item,) = items_of(http, eid)
    assert item["data"]["label"] == "bad"
    assert item["task_metadata"]["label"]["method"] == "audit"
    statuses = {t["task_type"]: t["status"] for t in tasks_of(http, evaluation_id=eid)}
    assert statuses == {"CONTRIBUTOR_ANNOTATION": "FIXED", "CONTRIBUTOR_AUDIT": "COMPLETED"}

    level_2 = client.annotation_tasks.batch_update(
        audit_assignment={**audit, "level_2_assigned_to": bob.user_id}
    )
    assert [(t.status, t.assigned_to) for t in level_2.items] == [("PENDING", bob.user_id)]
    with pytest.raises(ConflictError):  # the level 1 audit is done
        client.annotation_tasks.batch_update(
            audit_assignment={**audit, "level_1_assigned_to": alice.user_id}
        )


def test_another_accounts_tasks_are_skipped(
    client: SGPClient, http: httpx.Client, server: Server
) -> None:
    eid, _ = _setup(http, rows=1, reviewers=1)
    (task,) = tasks_of(http, evaluation_id=eid)
    other = make_client(server, ACCOUNT_B)
    assert other.annotation_tasks.batch_update(ids=[task["id"]], status="COMPLETED").items == []
    assert tasks_of(http, evaluation_id=eid)[0]["status"] == "PENDING"
