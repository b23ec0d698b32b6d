"""POST /v5/evaluations/tasks/dry-run through the 0.7.0 client's own helper."""

import inspect
import time
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient, UnprocessableEntityError
from scale_gp_beta.lib.custom_function import CustomFunction

from tests.fixtures.server import Server
from tests.sgp07.custom_function import functions
from tests.sgp07.helpers import error_locs

ROWS: list[dict[str, Any]] = [
    {"response": "Paris", "expected": "paris"},
    {"response": "Rome", "expected": "Milan"},
    {"response": "Oslo"},
]


def test_dry_run_returns_each_rows_result_or_error(client: SGPClient) -> None:
    scorer = CustomFunction(
        functions.exact_match, arg_mapping={"output": "response", "expected": "item.expected"}
    )
    result = scorer.dry_run(client, ROWS)
    assert result == {
        "object": "list",
        "items": [
            {"index": 0, "result": 1.0, "error": None},
            {"index": 1, "result": 0.0, "error": None},
            {
                "index": 2,
                "result": None,
                "error": {
                    "type": "ItemLocatorError",
                    "message": "'item.expected': the item has no field 'item.expected'",
                },
            },
        ],
    }


def test_dry_run_reports_sandbox_errors_per_row(client: SGPClient) -> None:
    rows = [{"input": "a"}, {"input": "bb"}]
    assert [
        i["error"]["type"]
        for i in CustomFunction(functions.divide_by_zero).dry_run(client, rows)["items"]
    ] == ["CustomFunctionError"] * 2
    assert [
        i["error"]["type"]
        for i in CustomFunction(functions.opens_a_file).dry_run(client, rows)["items"]
    ] == ["CustomFunctionSandboxViolation"] * 2
    invalid = CustomFunction(functions.says_true).dry_run(client, rows)["items"][0]
    assert invalid["result"] is None and invalid["error"]["type"] == "CustomFunctionInvalidResult"
    # Bound by name, with a default for the missing column.
    assert [
        i["result"] for i in CustomFunction(functions.with_default).dry_run(client, rows)["items"]
    ] == [5, 6]


def test_a_coroutine_never_awaited_is_no_violation(http: httpx.Client) -> None:
    """Python warns of it as it is collected, importing `warnings` and opening source files:
    the function failed as a sandbox violation, one naming the server's source path."""
    for tail in ("a()\n    return 1", "c = a()\n    return int(c.cr_suspended) + 1"):
        answer = http.post(
            "/v5/evaluations/tasks/dry-run",
            json={
                "task_type": "custom_function",
                "configuration": {
                    "function_source": f"def f(x):\n    async def a():\n        return 1\n    {tail}"
                },
                "sample_data": [{"x": 1}, {"x": 2}],
            },
        )
        assert answer.status_code == 200, answer.text
        assert [(i["result"], i["error"]) for i in answer.json()["items"]] == [(1, None)] * 2


def test_dry_run_with_outputs_and_config_args(http: httpx.Client) -> None:
    body = {
        "task_type": "custom_function",
        "configuration": {
            "function_source": inspect.getsource(functions.text_stats),
            "outputs": [{"path": "length"}, {"path": "shape.words", "alias": "words"}],
        },
        "sample_data": [{"text": "two words"}],
    }
    response = http.post("/v5/evaluations/tasks/dry-run", json=body)
    assert response.status_code == 200
    assert response.json()["items"] == [
        {"index": 0, "result": {"length": 9, "words": 2}, "error": None}
    ]
    scaled = {
        "configuration": {  # task_type inferred
            "function_source": inspect.getsource(functions.answer_length),
            "config_args": {"scale": 3},
        },
        "sample_data": [{"text": "a b"}],
    }
    assert http.post("/v5/evaluations/tasks/dry-run", json=scaled).json()["items"][0]["result"] == 6


def test_a_timeout_fails_its_row_and_the_rest_still_run(client: SGPClient) -> None:
    started = time.monotonic()
    result = CustomFunction(functions.spins).dry_run(client, [{"input": "a"}])
    assert result["items"][0]["error"]["type"] == "CustomFunctionTimeout"
    assert time.monotonic() - started < 15
    assert (
        CustomFunction(functions.input_length).dry_run(client, [{"input": "abc"}])["items"][0][
            "result"
        ]
        == 3
    )


def test_dry_run_validates_like_a_task(client: SGPClient) -> None:
    def locs(
        configuration: dict[str, Any],
        rows: list[dict[str, Any]] | None = None,
        task_type: str = "custom_function",
    ) -> list[list[Any]]:
        with pytest.raises(UnprocessableEntityError) as caught:
            client.post(
                "/v5/evaluations/tasks/dry-run",
                body={
                    "task_type": task_type,
                    "configuration": configuration,
                    "sample_data": rows or [{}],
                },
                cast_to=object,
            )
        return error_locs(caught.value)

    assert locs({"function_source": "def f():\n    import os\n    return 1"}) == [
        ["body", "configuration", "function_source"]
    ]
    assert locs({"function_source": "x = 1"}) == [["body", "configuration", "function_source"]]
    assert locs({"function_source": "def f(x):\n    return x", "arg_mapping": {"y": "x"}}) == [
        ["body", "configuration", "arg_mapping", "y"]
    ]
    assert locs({"function_source": "def f():\n    return 1"}, [{}] * 101) == [
        ["body", "sample_data"]
    ]
    assert locs({"function_source": "def f():\n    return 1"}, task_type="metric") == [
        ["body", "task_type"]
    ]
    assert locs({"type": "bleu"}, task_type="") == [["body", "task_type"]]
    with pytest.raises(UnprocessableEntityError) as unknown:  # no type given, none inferred
        client.post(
            "/v5/evaluations/tasks/dry-run",
            body={"task_type": None, "configuration": {}, "sample_data": [{}]},
            cast_to=object,
        )
    [problem] = unknown.value.body["detail"]  # type: ignore[index]
    assert problem["loc"] == ["body", "task_type"] and "None" not in problem["msg"], problem


def test_dry_run_needs_an_api_key(server: Server) -> None:
    response = httpx.post(
        f"{server.base_url}/v5/evaluations/tasks/dry-run",
        json={
            "task_type": "custom_function",
            "configuration": {"function_source": "def f():\n    return 1"},
            "sample_data": [],
        },
    )
    assert response.status_code == 401
