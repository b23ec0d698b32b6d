"""Money: each cell's cost at its model's price, the evaluation's `usage.cost_usd`, the
`max_cost_usd` budget that stops a run, and `dry_run` estimates that create nothing."""

import re
import time
from typing import Any

import pytest
from scale_gp_beta import SGPClient
from scale_gp_beta._exceptions import UnprocessableEntityError

from tests.execution.helpers import chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.sgp07.helpers import error_locs, raw, unique
from tests.sgp07.runs.conftest import (
    CHEAP_INPUT_PRICE,
    CHEAP_OUTPUT_PRICE,
    INPUT_PRICE,
    OUTPUT_PRICE,
)

# The fake server's usage for input "wordN": 1 prompt token, 2 completion tokens ("echo: wordN").
CELL_COST = (1 * INPUT_PRICE + 2 * OUTPUT_PRICE) / 1_000_000


def rows(count: int) -> list[dict[str, str]]:
    return [{"input": f"word{i}", "expected": f"echo: word{i}"} for i in range(count)]


def create(client: SGPClient, count: int, tasks: list[dict[str, Any]], **extra: Any) -> str:
    evaluation: dict[str, Any] = {"name": unique(), "data": rows(count), "tasks": tasks}
    return client.evaluations.create(evaluation=evaluation, extra_body=extra).id  # type: ignore[arg-type]


def evaluation_json(client: SGPClient, evaluation_id: str) -> dict[str, Any]:
    with raw(client) as http:
        response = http.get(f"/v5/evaluations/{evaluation_id}", params={"views": "tasks"})
        body: dict[str, Any] = response.raise_for_status().json()
        return body


def test_each_cell_costs_its_tokens_at_the_models_price(priced_client: SGPClient) -> None:
    evaluation_id = create(
        priced_client,
        6,
        [chat_task("answer"), chat_task("unpriced", model="listed/fake-chat")],
    )
    assert wait_until_done(priced_client, evaluation_id).status == "completed"

    body = evaluation_json(priced_client, evaluation_id)
    # Only `answer` is priced (the `listed` vendor has no price for fake-chat).
    assert body["usage"]["cost_usd"] == pytest.approx(6 * CELL_COST)
    assert body["max_cost_usd"] is None
    with raw(priced_client) as http:
        summary = http.get(f"/v5/evaluations/{evaluation_id}/summary").raise_for_status().json()
    aliases = summary["aliases"]
    assert aliases["answer"]["usage"]["cost_usd"] == pytest.approx(6 * CELL_COST)
    assert aliases["unpriced"]["usage"]["cost_usd"] is None
    assert summary["usage"]["cost_usd"] == pytest.approx(6 * CELL_COST)


def test_usage_counts_fractions_of_a_cent_as_the_budget_does(priced_client: SGPClient) -> None:
    """Three cells at a real model's price cost $4.05e-6 together. `usage.cost_usd` rounded to
    6 decimals read 4e-06, so a budget set to it was refused as below what was spent."""
    evaluation_id = create(priced_client, 3, [chat_task("answer", model="openai/fake-cheap")])
    assert wait_until_done(priced_client, evaluation_id).status == "completed"

    cost = evaluation_json(priced_client, evaluation_id)["usage"]["cost_usd"]
    assert cost == pytest.approx(3 * (CHEAP_INPUT_PRICE + 2 * CHEAP_OUTPUT_PRICE) / 1_000_000)
    with raw(priced_client) as http:
        # Nothing errored: a retry has nothing to run, and the budget it names is checked.
        at = http.post(f"/v5/evaluations/{evaluation_id}/retry", json={"max_cost_usd": cost})
        above = http.post(
            f"/v5/evaluations/{evaluation_id}/retry", json={"max_cost_usd": cost + 1e-9}
        )
    assert at.status_code == 422, at.text
    assert above.status_code == 200, above.text


def test_a_reply_without_a_choice_keeps_what_it_cost(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    """A 503, then a 200 that bills but has no `choices`: the cell failed with no tokens, no
    cost and one attempt, so such answers never reached a budget."""
    usage = {"prompt_tokens": 100, "completion_tokens": 50}
    fake_models.control(
        fail_next=[{"status": 503, "retry_after_ms": 1}],
        bodies_next=[{"error": {"message": "The server is overloaded"}, "usage": usage}],
    )
    evaluation_id = create(priced_client, 1, [chat_task("answer")])
    wait_until_done(priced_client, evaluation_id)

    cost = (100 * INPUT_PRICE + 50 * OUTPUT_PRICE) / 1_000_000
    assert evaluation_json(priced_client, evaluation_id)["usage"]["cost_usd"] == pytest.approx(cost)
    with raw(priced_client) as http:
        (item,) = http.get("/v5/evaluation-items", params={"evaluation_id": evaluation_id}).json()[
            "items"
        ]
    error = item["task_errors"]["answer"]
    assert error["type"] == "InvalidResponse" and "The server is overloaded" in error["message"]
    assert item["task_metadata"]["answer"]["attempts"] == 2


def test_a_vendors_odd_token_counts_are_no_counts(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    """Counts as text, floats, negatives, booleans, past 64 bits or in a list: each cell keeps
    its answer and counts nothing for them. Priced, "3" failed the whole run; stored, a count
    past 64 bits failed every read of the evaluation, its archiving too."""
    odd: list[Any] = [
        {"prompt_tokens": "3", "completion_tokens": "4"},
        [1, 2],
        {"prompt_tokens": 2**64 - 1, "completion_tokens": 1e300},
        {"prompt_tokens": -5, "completion_tokens": True},
        {"prompt_tokens": 1.5, "completion_tokens": 2},
    ]
    fake_models.control(usage_next=odd)
    evaluation_id = create(priced_client, len(odd), [chat_task("answer")])
    assert wait_until_done(priced_client, evaluation_id).status == "completed"

    body = evaluation_json(priced_client, evaluation_id)
    # Only the last one's completion count is a count: 2 tokens at the output price.
    assert body["usage"]["cost_usd"] == pytest.approx(2 * OUTPUT_PRICE / 1_000_000)
    assert body["progress"]["items"]["successful"] == len(odd)
    with raw(priced_client) as http:
        assert http.get("/v5/evaluations").status_code == 200
        assert http.get(f"/v5/evaluations/{evaluation_id}/summary").status_code == 200
        assert http.delete(f"/v5/evaluations/{evaluation_id}").status_code == 200


def test_the_budget_stops_the_run_and_a_retry_with_more_resumes_it(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    fake_models.control(latency_ms=30)
    budget = 10 * CELL_COST
    evaluation_id = create(priced_client, 200, [chat_task("answer")], max_cost_usd=budget)

    stopped = wait_until_done(priced_client, evaluation_id)

    assert stopped.status == "failed"
    assert stopped.status_reason is not None
    said = re.fullmatch(
        r"stopped at the budget: the cells cost \$(\d+(?:\.\d{1,9})?), "
        r"reaching max_cost_usd \$0\.05",
        stopped.status_reason,
    )
    assert said is not None, stopped.status_reason
    body = evaluation_json(priced_client, evaluation_id)
    assert body["max_cost_usd"] == pytest.approx(budget)
    spent = body["usage"]["cost_usd"]
    assert budget <= float(said.group(1)) <= spent + 1e-9
    # Calls in flight when the budget is reached finish; no new one starts (concurrency 8).
    assert budget <= spent <= budget + 8 * CELL_COST + 1e-9
    assert fake_models.stats()["total"] < 40

    # At the budget, a change that would run calls is refused and starts none; a budget not
    # above what was spent is a 422. Each started the run again, paying a call per slot.
    calls = fake_models.stats()["total"]
    with raw(priced_client) as http:
        refused = http.post(f"/v5/evaluations/{evaluation_id}/retry", json={})
        assert refused.status_code == 409, refused.text
        assert "max_cost_usd" in refused.json()["detail"]
        added = http.post(f"/v5/evaluations/{evaluation_id}/tasks", json={"task": chat_task("b")})
        assert added.status_code == 409, added.text
        for small in (budget / 2, spent):
            low = http.post(f"/v5/evaluations/{evaluation_id}/retry", json={"max_cost_usd": small})
            assert low.status_code == 422, low.text
            assert low.json()["detail"][0]["loc"] == ["body", "max_cost_usd"]
    time.sleep(0.5)
    assert fake_models.stats()["total"] == calls
    assert evaluation_json(priced_client, evaluation_id)["status"] == "failed"

    fake_models.control(latency_ms=0)
    with raw(priced_client) as http:
        resumed = http.post(f"/v5/evaluations/{evaluation_id}/retry", json={"max_cost_usd": 100.0})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["max_cost_usd"] == 100.0
    done = wait_until_done(priced_client, evaluation_id)
    assert done.status == "completed"
    assert evaluation_json(priced_client, evaluation_id)["usage"]["cost_usd"] == pytest.approx(
        200 * CELL_COST, rel=0.05
    )


def test_cells_replaced_by_a_change_still_count_in_usage_and_the_budget(
    priced_client: SGPClient,
) -> None:
    """A task changed (or retried) deletes its cells to compute them again; what they cost was
    paid all the same. `usage` fell back instead, and a budget counted only the new cells, so
    a run retried again and again was never stopped by it."""
    task = chat_task("answer")
    evaluation_id = create(priced_client, 4, [task], max_cost_usd=10 * CELL_COST)
    assert wait_until_done(priced_client, evaluation_id).status == "completed"

    priced_client.evaluations.tasks.update(
        "answer", evaluation_id=evaluation_id, configuration=task["configuration"]
    )
    assert wait_until_done(priced_client, evaluation_id).status == "completed"

    usage = evaluation_json(priced_client, evaluation_id)["usage"]
    assert usage["cost_usd"] == pytest.approx(8 * CELL_COST)  # 4 cells, twice
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (8, 16)
    with raw(priced_client) as http:
        summary = http.get(f"/v5/evaluations/{evaluation_id}/summary").raise_for_status().json()
        # The summary describes the cells there are.
        assert summary["usage"]["cost_usd"] == pytest.approx(4 * CELL_COST)
        # 8 of the 10 cells' worth spent: another change of 4 would pass it, but may start.
        again = http.patch(
            f"/v5/evaluations/{evaluation_id}/tasks/answer",
            json={"configuration": task["configuration"], "max_cost_usd": 7 * CELL_COST},
        )
        assert again.status_code == 422, again.text
        assert again.json()["detail"][0]["loc"] == ["body", "max_cost_usd"]
    priced_client.evaluations.tasks.update(
        "answer", evaluation_id=evaluation_id, configuration=task["configuration"]
    )
    stopped = wait_until_done(priced_client, evaluation_id)
    assert stopped.status == "failed"
    assert stopped.status_reason is not None and "max_cost_usd" in stopped.status_reason
    assert evaluation_json(priced_client, evaluation_id)["usage"]["cost_usd"] >= 10 * CELL_COST


# true and "123" were read as 1.0 and 123.0.
@pytest.mark.parametrize("budget", [0, -1.5, "lots", [5], True, "123"])
def test_a_budget_that_is_not_positive_is_refused_everywhere(
    priced_client: SGPClient, budget: Any
) -> None:
    evaluation_id = create(priced_client, 2, [chat_task("answer")])
    wait_until_done(priced_client, evaluation_id)
    before = evaluation_json(priced_client, evaluation_id)
    with raw(priced_client) as http:
        for path, body in [
            ("/v5/evaluations", {"name": "x", "data": rows(1), "max_cost_usd": budget}),
            (
                f"/v5/evaluations/{evaluation_id}/tasks",
                {"task": chat_task("more"), "max_cost_usd": budget},
            ),
            (f"/v5/evaluations/{evaluation_id}/retry", {"max_cost_usd": budget}),
        ]:
            response = http.post(path, json=body)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["detail"][0]["loc"] == ["body", "max_cost_usd"]
        response = http.patch(
            f"/v5/evaluations/{evaluation_id}/tasks/answer",
            json={"configuration": chat_task("answer")["configuration"], "max_cost_usd": budget},
        )
        assert response.status_code == 422
    assert evaluation_json(priced_client, evaluation_id) == before  # nothing changed


def test_a_dry_run_estimates_calls_tokens_and_cost_and_creates_nothing(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    before = priced_client.evaluations.list(limit=1000)
    tasks = [
        chat_task("answer", max_tokens=10),
        chat_task("unpriced", model="listed/fake-chat"),
        {
            "task_type": "metric",
            "alias": "f1",
            "configuration": {
                "type": "f1",
                "candidate": "item.answer",
                "reference": "item.expected",
            },
        },
    ]
    with raw(priced_client) as http:
        response = http.post(
            "/v5/evaluations",
            json={"name": unique(), "data": rows(50), "tasks": tasks, "dry_run": True},
        )
    assert response.status_code == 200, response.text
    estimate = response.json()

    assert estimate["dry_run"] is True
    assert (estimate["items"], estimate["model_calls"]) == (50, 100)  # the metric calls nothing
    answer = next(t for t in estimate["tasks"] if t["alias"] == "answer")
    assert answer["model_calls"] == 50
    assert answer["completion_tokens"] == 50 * 10  # max_tokens
    assert answer["prompt_tokens"] > 0
    assert answer["price"] == {"input_per_million": INPUT_PRICE, "output_per_million": OUTPUT_PRICE}
    expected = (
        answer["prompt_tokens"] * INPUT_PRICE + answer["completion_tokens"] * OUTPUT_PRICE
    ) / 1e6
    assert answer["cost_usd"] == pytest.approx(expected)
    assert estimate["cost_usd"] == pytest.approx(expected)  # `unpriced` adds nothing...
    assert estimate["unpriced_aliases"] == ["unpriced"]  # ...and says so
    assert [t["alias"] for t in estimate["tasks"]] == ["answer", "unpriced"]

    after = priced_client.evaluations.list(limit=1000)
    assert [e.id for e in after] == [e.id for e in before]
    assert fake_models.stats()["total"] == 0


def test_a_dry_run_counts_no_call_for_a_task_reading_one_that_errors(
    priced_client: SGPClient, fake_models: FakeModels
) -> None:
    # The second row lacks `input`: `answer` errors there before its call, and so do `again`
    # (which reads `answer`) and `scored` (a metric reading it) and `late` (reading `scored`).
    data = [{"input": "hello world"}, {"other": "x"}, {"input": "good bye"}]
    metric = {"type": "f1", "candidate": "item.answer", "reference": "item.input"}
    tasks = [
        chat_task("answer"),
        chat_task("again", content="item.answer"),
        {"task_type": "metric", "alias": "scored", "configuration": metric},
        chat_task("late", content="item.scored"),
    ]
    with raw(priced_client) as http:
        response = http.post(
            "/v5/evaluations",
            json={"name": unique(), "data": data, "tasks": tasks, "dry_run": True},
        )
    assert response.status_code == 200, response.text
    calls = {t["alias"]: t["model_calls"] for t in response.json()["tasks"]}
    assert calls == {"answer": 2, "again": 2, "late": 2}

    with raw(priced_client) as http:
        created = http.post(
            "/v5/evaluations", json={"name": unique(), "data": data, "tasks": tasks}
        )
    wait_until_done(priced_client, created.raise_for_status().json()["id"])
    assert fake_models.stats()["total"] == sum(calls.values())  # the run made as many


def test_a_dry_run_checks_the_request_as_a_create_does(priced_client: SGPClient) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        priced_client.evaluations.create(
            evaluation={
                "name": unique(),
                "data": rows(2),
                "tasks": [chat_task("answer", model="listed/other")],  # type: ignore[list-item]
            },
            extra_body={"dry_run": True},
        )
    assert error_locs(caught.value) == [["body", "tasks", 0, "configuration", "model"]]


def test_a_dry_run_with_a_new_dataset_creates_no_dataset(priced_client: SGPClient) -> None:
    before = [d.id for d in priced_client.datasets.list(limit=1000)]
    with raw(priced_client) as http:
        response = http.post(
            "/v5/evaluations",
            json={
                "name": unique(),
                "data": rows(3),
                "dataset": {"name": unique()},
                "tasks": [chat_task("answer")],
                "dry_run": True,
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["model_calls"] == 3
    assert [d.id for d in priced_client.datasets.list(limit=1000)] == before
