"""`repeats: k`: each row runs k times; items, the summary's consistency and comparisons see
rows, not items. A scripted model answers each repeat differently where a row is meant to be
flaky."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import create_engine, update

from tests.conftest import make_client
from tests.execution.helpers import chat_task, extra, items_of, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, Server
from yardstick.models import TaskResult

ROWS = 6
EXPECTED = "the cat sat on the mat"


@pytest.fixture
def client(engine_server: Server) -> SGPClient:
    return make_client(engine_server)


@pytest.fixture
def http(engine_server: Server) -> Iterator[httpx.Client]:
    headers = {"x-api-key": engine_server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=engine_server.base_url, headers=headers, timeout=60) as c:
        yield c


def tasks() -> list[Any]:
    return [
        chat_task("answer", "Q<<{{item.input}}>>"),
        {
            "task_type": "metric",
            "alias": "score",
            "configuration": {
                "type": "f1",
                "candidate": "item.answer",
                "reference": "item.expected",
            },
        },
        {
            "task_type": "metric",
            "alias": "exact",
            "configuration": {"type": "f1", "candidate": "item.gold", "reference": "item.expected"},
        },
    ]


def data() -> list[dict[str, Any]]:
    # `exact` scores 1 on even rows, 0 on odd ones, in every repeat.
    return [
        {"input": f"r{i}", "expected": EXPECTED, "gold": EXPECTED if i % 2 == 0 else "dog"}
        for i in range(ROWS)
    ]


def test_each_row_runs_k_times_and_the_summary_says_how_consistent_it_was(
    client: SGPClient, http: httpx.Client, fake_models: FakeModels
) -> None:
    # Row 0's three answers differ; every other row answers the same three times.
    script = {"<<r0>>": [EXPECTED, "the cat", "a dog"]}
    script |= {f"<<r{i}>>": [EXPECTED] * 3 for i in range(1, ROWS)}
    fake_models.control(replies_for=script)
    response = http.post(
        "/v5/evaluations", json={"name": "k3", "data": data(), "tasks": tasks(), "repeats": 3}
    )
    assert response.status_code == 200, response.text
    evaluation = response.json()
    assert evaluation["repeats"] == 3
    done = wait_until_done(client, evaluation["id"])
    assert done.status == "completed" and extra(done, "repeats") == 3

    items = items_of(client, evaluation["id"])
    assert len(items) == ROWS * 3
    assert [extra(item, "repeat") for item in items] == [0, 1, 2] * ROWS
    for first in range(0, len(items), 3):
        row = items[first : first + 3]
        assert {extra(item, "row_item_id") for item in row} == {row[0].id}
        assert {item.data["input"] for item in row} == {row[0].data["input"]}

    summary = http.get(f"/v5/evaluations/{evaluation['id']}/summary").json()
    score, exact = summary["aliases"]["score"], summary["aliases"]["exact"]
    assert summary["items"] == ROWS * 3
    assert score["consistency"]["repeats"] == 3
    assert score["consistency"]["rows"] == ROWS
    assert score["consistency"]["changed_share"] == pytest.approx(1 / ROWS)  # row 0 only
    assert exact["consistency"] == {
        "repeats": 3,
        "rows": ROWS,
        "changed_share": 0.0,
        "pass_all": 0.5,
        "pass_rate": 0.5,
    }


def test_a_comparison_uses_each_rows_mean_and_flags_rows_flaky_in_the_baseline(
    client: SGPClient, http: httpx.Client, fake_models: FakeModels
) -> None:
    script = {"<<r0>>": [EXPECTED, "the cat", EXPECTED]}
    script |= {f"<<r{i}>>": [EXPECTED] * 3 for i in range(1, ROWS)}
    fake_models.control(replies_for=script)
    body = {"name": "baseline", "data": data(), "tasks": tasks(), "repeats": 3}
    baseline = http.post("/v5/evaluations", json=body).json()["id"]
    wait_until_done(client, baseline)
    # The candidate, run once, answers row 0 and row 1 worse.
    script = {"<<r0>>": ["a dog"], "<<r1>>": ["the dog"]}
    script |= {f"<<r{i}>>": [EXPECTED] for i in range(2, ROWS)}
    fake_models.control(replies_for=script)
    candidate = http.post(
        "/v5/evaluations", json={"name": "candidate", "data": data(), "tasks": tasks()}
    ).json()["id"]
    wait_until_done(client, candidate)

    answer = http.post(
        "/v5/comparisons",
        json={
            "baseline_evaluation_id": baseline,
            "candidate_evaluation_id": candidate,
            "aliases": ["score", "exact"],
        },
    )
    assert answer.status_code == 200, answer.text
    comparison = answer.json()
    # The rows pair once each, by content (the baseline's repeats are not extra items).
    assert comparison["pairing"] == {
        "by": "content_hash",
        "pairs": ROWS,
        "baseline_only": 0,
        "candidate_only": 0,
    }
    score, exact = comparison["metrics"]
    candidate_items = {item.data["input"]: item for item in items_of(client, candidate)}
    baseline_items = items_of(client, baseline)
    row0 = [item.data["score"] for item in baseline_items if item.data["input"] == "r0"]
    assert len(row0) == 3 and len(set(row0)) == 2
    # Row 0's baseline value is the mean of its three repeats.
    means = [sum(row0) / 3] + [1.0] * (ROWS - 1)
    after = [candidate_items[f"r{i}"].data["score"] for i in range(ROWS)]
    assert score["baseline_mean"] == pytest.approx(sum(means) / ROWS)
    assert score["delta"] == pytest.approx(sum(a - b for a, b in zip(after, means)) / ROWS)
    assert score["regressed"] == 2
    assert set(score["most_regressed"]) == {candidate_items["r0"].id, candidate_items["r1"].id}
    # Row 0 already disagreed with itself in the baseline: flagged; row 1 did not.
    assert score["flaky_in_baseline"] == [candidate_items["r0"].id]
    assert score["consistency"]["baseline"]["changed_share"] == pytest.approx(1 / ROWS)
    assert score["consistency"]["candidate"] is None
    assert exact["kind"] == "binary" and exact["delta"] == 0.0
    assert exact["consistency"]["baseline"]["pass_all"] == 0.5


def test_repeats_out_of_range_are_refused(http: httpx.Client) -> None:
    for repeats in (0, 21, "x", 1.5, True, "3"):  # true and "3" were read as 1 and 3
        response = http.post(
            "/v5/evaluations", json={"name": "bad", "data": data(), "repeats": repeats}
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "repeats"]


def test_a_dry_run_counts_every_repeat(http: httpx.Client) -> None:
    once = http.post(
        "/v5/evaluations", json={"name": "d", "data": data(), "tasks": tasks(), "dry_run": True}
    ).json()
    thrice = http.post(
        "/v5/evaluations",
        json={"name": "d", "data": data(), "tasks": tasks(), "dry_run": True, "repeats": 3},
    ).json()
    assert (once["items"], thrice["items"]) == (ROWS, 3 * ROWS)
    assert thrice["model_calls"] == 3 * once["model_calls"] == 3 * ROWS


def test_equal_numbers_written_differently_are_not_a_change(
    engine_server: Server, client: SGPClient, http: httpx.Client
) -> None:
    """A repeat answering 1 where another answered 1.0 gave the same answer."""
    evaluation = http.post(
        "/v5/evaluations",
        json={"name": "k2", "data": data(), "tasks": tasks()[2:], "repeats": 2},
    ).json()
    wait_until_done(client, evaluation["id"])
    second_repeats = [item.id for item in items_of(client, evaluation["id"])][1::2]
    engine = create_engine(engine_server.database_url)
    with engine.begin() as connection:  # the second repeat's 1.0s, stored as 1
        connection.execute(
            update(TaskResult)
            .where(TaskResult.item_id.in_(second_repeats), TaskResult.value_number == 1)
            .values(value=1)
        )
    engine.dispose()

    summary = http.get(f"/v5/evaluations/{evaluation['id']}/summary").json()
    assert summary["aliases"]["exact"]["consistency"]["changed_share"] == 0.0


def test_numbers_differing_in_their_last_digits_are_a_change_and_zeros_are_not(
    engine_server: Server, client: SGPClient, http: httpx.Client
) -> None:
    """Repeats count as one answer exactly when their numbers are equal doubles (or their other
    values the same JSON). SQLite compared the numbers' 15-digit text, PostgreSQL wrote -0.0
    as -0: each backend counted a row the other did not."""
    pairs: list[tuple[Any, Any]] = [
        (0.3, 0.1 + 0.2),  # differ in the last bit: a change
        (1 / 3, 1 - 2 / 3),  # a change
        (1e16, 1e16 + 2),  # a change
        (0.0, -0.0),  # equal numbers
        (1, 1.0),  # equal numbers
        ("a", "a"),
    ]
    evaluation = http.post(
        "/v5/evaluations",
        json={"name": "k2", "data": data(), "tasks": tasks()[2:], "repeats": 2},
    ).json()
    wait_until_done(client, evaluation["id"])
    items = [item.id for item in items_of(client, evaluation["id"])]
    engine = create_engine(engine_server.database_url)
    with engine.begin() as connection:
        for row, pair in enumerate(pairs):
            for repeat, value in enumerate(pair):
                connection.execute(
                    update(TaskResult)
                    .where(TaskResult.item_id == items[2 * row + repeat])
                    .values(value=value)
                )
    engine.dispose()

    summary = http.get(f"/v5/evaluations/{evaluation['id']}/summary").json()
    assert summary["aliases"]["exact"]["consistency"]["changed_share"] == pytest.approx(3 / ROWS)
