"""`progress.items.failed_items`: each failed item's first error is that of its first task in
task order (the root cause), not of the alias that sorts first."""

import httpx
from scale_gp_beta import SGPClient

from tests.execution.helpers import chat_task, wait_until_done


def test_first_error_follows_task_order(
    engine_client: SGPClient, engine_http: httpx.Client
) -> None:
    # `zeta` fails on the row without `input`; `alpha` reads it, so it fails after it, and its
    # alias sorts first.
    created = engine_http.post(
        "/v5/evaluations",
        json={
            "name": "first error",
            "data": [{"other": 1}],
            "tasks": [
                chat_task("zeta"),
                {
                    "task_type": "metric",
                    "alias": "alpha",
                    "configuration": {"type": "f1", "candidate": "item.zeta", "reference": "x"},
                },
            ],
        },
    ).json()
    wait_until_done(engine_client, created["id"])

    body = engine_http.get(f"/v5/evaluations/{created['id']}").json()

    [failed] = body["progress"]["items"]["failed_items"]
    assert failed["error_type"] == "ItemLocatorError"
