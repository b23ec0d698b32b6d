"""`yardstick evaluations watch ID` against a running server, by URL.

Run as a subprocess, the command's environment has no usable database URL (`cli_env`): it must
talk HTTP only. The other cases run it in this process (a subprocess costs seconds of imports).
The harness's server has no model vendor, so the runs are of metric and custom-function tasks;
a custom function that never returns keeps a run going for the sandbox's 5-second limit.
"""

import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from tests.cli.flaky_proxy import DETAIL, HANG_UP, flaky_proxy
from tests.cli.helpers import cli_env
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server, free_port
from yardstick.cli.main import app

ROWS: list[dict[str, Any]] = [
    {"answer": "a b", "expected": "a b", "label": "yes"},
    {"answer": "a", "expected": "a b", "label": "yes"},
    {"answer": "x", "expected": "a b", "label": "no"},
    {"expected": "a", "label": "yes"},  # no answer: the f1 cell fails
]
# Spins on n == 3 until the sandbox stops it (CustomFunctionTimeout after 5 s); else at once.
SLOW_TASK: dict[str, Any] = {
    "task_type": "custom_function",
    "alias": "slow",
    "configuration": {
        "function_source": "def slow(n):\n    while n == 3:\n        pass\n    return n * 2\n"
    },
}


def tasks(question_id: str) -> list[dict[str, Any]]:
    """An f1 metric (numeric results) and a question prefilled from `label` (categorical)."""
    return [
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
            "task_type": "contributor_evaluation.question",
            "alias": "review",
            "configuration": {
                "question_id": question_id,
                "layout": {"children": [{"data": "item.answer"}]},
                "prefill_from": "label",
            },
        },
    ]


def watch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yardstick.cli", "evaluations", "watch", *args],
        # Wide enough that no table cell wraps.
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def watch_here(
    server: Server,
    evaluation_id: str,
    *,
    url: str | None = None,
    key: str | None = None,
    account: str = ACCOUNT_A,
) -> Result:
    """The command in this process, told the server by flags, refreshing every 0.1 s."""
    flags = ["--url", url or server.base_url, "--api-key", key or server.keys[ACCOUNT_A]]
    return CliRunner().invoke(
        app,
        ["evaluations", "watch", evaluation_id, "--interval", "0.1", *flags]
        + ["--account-id", account],
    )


def watch_with_env(env: Mapping[str, str | None], evaluation_id: str) -> Result:
    """The command in this process, told the server by the environment alone."""
    return CliRunner().invoke(app, ["evaluations", "watch", evaluation_id], env=env)


def create(http: httpx.Client, rows: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> Any:
    name = f"cli-watch-{uuid.uuid4().hex[:8]}"
    response = http.post("/v5/evaluations", json={"name": name, "data": rows, "tasks": tasks})
    return response.raise_for_status().json()


def wait_until_done(http: httpx.Client, evaluation_id: str) -> None:
    deadline = time.monotonic() + 60
    while http.get(f"/v5/evaluations/{evaluation_id}").json()["status"] == "running":
        assert time.monotonic() < deadline, f"evaluation {evaluation_id} still running"
        time.sleep(0.1)


def table_rows(output: str) -> dict[str, str]:
    """The summary table's rows by alias (7 columns: 8 borders; the errors table has 4)."""
    rows = [line for line in output.splitlines() if line.count("│") == 8]
    return {row.split("│")[1].strip(): row for row in rows}


@pytest.fixture(scope="module")
def finished(server: Server) -> Any:
    """A completed evaluation of ROWS and `tasks`."""
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
        question = http.post(
            "/v5/questions",
            json={
                "name": "right?",
                "prompt": "Is the answer right?",
                "question_type": "categorical",
                "configuration": {"choices": ["yes", "no"]},
            },
        )
        evaluation = create(http, ROWS, tasks(question.raise_for_status().json()["id"]))
        wait_until_done(http, evaluation["id"])
    return evaluation


def test_a_finished_evaluation_prints_its_state_and_summary(
    server: Server, http: httpx.Client, finished: Any
) -> None:
    result = watch(cli_env(server), finished["id"])
    assert result.returncode == 0, result.stderr
    assert f"{finished['name']}: completed\n" in result.stdout
    assert "4/4" in result.stdout and "failed 1 · cell errors 1" in result.stdout
    # The tables show what the summary route answers.
    summary = http.get(f"/v5/evaluations/{finished['id']}/summary").raise_for_status().json()
    score = summary["aliases"]["score"]["numeric"]
    rows = table_rows(result.stdout)
    assert f"mean {score['mean']:.4g} ± {score['std']:.3g} sd" in rows["score"]
    assert "yes 75%, no 25%" in rows["review"]
    assert any("ItemLocatorError" in line for line in result.stdout.splitlines())


def test_follows_a_run_until_it_completes(server: Server, http: httpx.Client) -> None:
    evaluation = create(http, [{"n": 1}, {"n": 2}, {"n": 3}], [SLOW_TASK])
    assert evaluation["status"] == "running"
    # In this process, so the watch starts at once, well within the 5 s the run takes.
    result = watch_here(server, evaluation["id"])
    assert result.exit_code == 0, result.output
    assert f"{evaluation['name']}: completed" in result.stdout
    assert "3/3" in result.stdout and "failed 1 · cell errors 1" in result.stdout
    assert "CustomFunctionTimeout" in result.stdout
    assert http.get(f"/v5/evaluations/{evaluation['id']}").json()["status"] == "completed"


def test_a_failed_evaluation_exits_1(server: Server, http: httpx.Client) -> None:
    evaluation = create(http, [{"n": 3}], [SLOW_TASK])
    http.post(f"/v5/evaluations/{evaluation['id']}/cancel").raise_for_status()
    result = watch(cli_env(server), evaluation["id"])
    assert result.returncode == 1, result.stderr
    assert f"{evaluation['name']}: failed (cancelled by the user)" in result.stdout
    assert "slow" in table_rows(result.stdout)
    assert result.stderr == ""


def test_an_archived_evaluation_ends_the_watch(server: Server, http: httpx.Client) -> None:
    evaluation = create(http, [{"n": 1}], [SLOW_TASK])
    wait_until_done(http, evaluation["id"])
    http.delete(f"/v5/evaluations/{evaluation['id']}").raise_for_status()
    result = watch_here(server, evaluation["id"])
    assert result.exit_code == 0, result.output
    assert f"{evaluation['name']}: archived" in result.stdout


def test_an_evaluation_archived_while_running_exits_1(server: Server, http: httpx.Client) -> None:
    """Archiving a running evaluation fails its run: the watch says archived and exits 1."""
    evaluation = create(http, [{"n": 3}], [SLOW_TASK])
    http.delete(f"/v5/evaluations/{evaluation['id']}").raise_for_status()
    result = watch_here(server, evaluation["id"])
    assert result.exit_code == 1, result.output
    assert f"{evaluation['name']}: archived (archived while running)" in result.stdout


def test_values_that_look_like_markup_are_shown_as_they_are(
    server: Server, http: httpx.Client
) -> None:
    """A model's `[/INST]` is text, not a closing tag (that failed the summary), and
    `[bold red]ok` keeps its brackets."""
    question = http.post(
        "/v5/questions",
        json={
            "name": "tag?",
            "prompt": "Which tag?",
            "question_type": "categorical",
            "configuration": {"choices": ["[/INST]", "[bold red]ok"]},
        },
    )
    rows = [
        {"answer": "a", "expected": "a", "label": label} for label in ("[/INST]", "[bold red]ok")
    ]
    evaluation = create(http, rows, tasks(question.raise_for_status().json()["id"]))
    wait_until_done(http, evaluation["id"])
    result = CliRunner().invoke(
        app,
        ["evaluations", "watch", evaluation["id"], "--api-key", server.keys[ACCOUNT_A]]
        + ["--url", server.base_url, "--account", ACCOUNT_A],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    assert "[/INST] 50%, [bold red]ok 50%" in table_rows(result.stdout)["review"]


def test_an_outage_while_watching_is_retried(server: Server, finished: Any) -> None:
    faults = deque([503, HANG_UP])

    def fault(path: str) -> int | None:
        return faults.popleft() if "/summary" in path and faults else None

    with flaky_proxy(server.base_url, fault) as url:
        result = watch_here(server, finished["id"], url=url)
    assert result.exit_code == 0, result.output
    assert f"{url} answered 503: {DETAIL}; retrying\n" in result.stdout
    assert "the server answers again" in result.stdout
    assert not faults
    assert "yes 75%" in table_rows(result.stdout)["review"]


def test_a_long_outage_gives_up(
    server: Server, finished: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("yardstick.cli.evaluations.PATIENCE_SECONDS", 0.5)
    with flaky_proxy(server.base_url, lambda path: 502 if "/summary" in path else None) as url:
        result = watch_here(server, finished["id"], url=url)
    assert result.exit_code == 1
    assert result.stderr == f"{url} answered 502: {DETAIL} (gave up after 0.5 s)\n"


def test_unknown_and_foreign_evaluations_are_clear_404s(server: Server, finished: Any) -> None:
    for wanted, account in (("nope", ACCOUNT_A), (finished["id"], ACCOUNT_B)):
        result = watch_here(server, wanted, key=server.keys[account], account=account)
        assert result.exit_code == 1
        assert result.stderr == (
            f"no evaluation '{wanted}' in account '{account}' at {server.base_url} (404)\n"
        )


def test_bad_key_and_wrong_account_are_clear_401_and_403(server: Server, finished: Any) -> None:
    result = watch_here(server, finished["id"], key="not-a-key")
    assert result.exit_code == 1
    assert f"{server.base_url} refused the API key (401)" in result.stderr

    result = watch_here(server, finished["id"], account=ACCOUNT_B)
    assert result.exit_code == 1
    assert f"the API key is not valid for account '{ACCOUNT_B}' (403)" in result.stderr


def test_missing_settings_and_unreachable_server() -> None:
    result = watch_with_env({"YARDSTICK_API_KEY": None, "YARDSTICK_ACCOUNT_ID": "a"}, "id")
    assert result.exit_code == 1
    assert result.stderr == "no API key: set YARDSTICK_API_KEY or pass --api-key\n"

    result = watch_with_env({"YARDSTICK_API_KEY": "k", "YARDSTICK_ACCOUNT_ID": None}, "id")
    assert result.exit_code == 1
    assert result.stderr == "no account: set YARDSTICK_ACCOUNT_ID or pass --account\n"

    # Nothing listens there: the first request is not retried.
    url = f"http://127.0.0.1:{free_port()}"
    env = {"YARDSTICK_URL": url, "YARDSTICK_API_KEY": "k", "YARDSTICK_ACCOUNT_ID": "a"}
    result = watch_with_env(env, "id")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{url} did not answer (ConnectError: ")
    assert result.stderr.count("\n") == 1
