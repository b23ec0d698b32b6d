"""What the agreement route's tests share: clients of the engine's server, and the route."""

from typing import Any

import httpx

from tests.fixtures.server import ACCOUNT_A, Server


def http_for(server: Server, account: str = ACCOUNT_A) -> httpx.Client:
    headers = {"x-api-key": server.keys[account], "x-selected-account-id": account}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def agreement(http: httpx.Client, evaluation_id: str, **params: Any) -> httpx.Response:
    return http.get(f"/v5/evaluations/{evaluation_id}/agreement", params=params)


def contributor_task(alias: str, question_id: str, prefill_from: str | None) -> dict[str, Any]:
    """A question for a person; with `prefill_from`, answered by that column where it has a
    value (status `prefilled`), as a human's answers imported with the rows are."""
    configuration: dict[str, Any] = {
        "question_id": question_id,
        "layout": {"children": [{"data": "item.input"}]},
    }
    if prefill_from is not None:
        configuration["prefill_from"] = prefill_from
    return {
        "task_type": "contributor_evaluation.question",
        "alias": alias,
        "configuration": configuration,
    }
