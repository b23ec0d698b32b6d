"""`GET /v5/evaluations/{id}/summary` (Yardstick's own route) on an evaluation the engine ran.

Five rows through a chat completion on the fake model server (which answers "echo: <input>"),
an f1 metric of that answer against `expected`, a judge whose replies are scripted per row, and
a contributor question prefilled from a column. The figures are known by hand: f1 of
"echo: a b" against "a b" is 2/3 (4 answer tokens, 2 shared), and so on.
"""

import math
import statistics
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest
from scale_gp_beta import SGPClient

from tests.agreement.helpers import contributor_task
from tests.cli.helpers import cli_env
from tests.conftest import make_client
from tests.execution.helpers import chat_task, wait_until_done
from tests.fixtures.fake_model_server import FakeModels
from tests.fixtures.server import ACCOUNT_A, ACCOUNT_B, Server

ROWS: list[dict[str, Any]] = [
    {"input": "a b", "expected": "a b", "label": "yes"},
    {"input": "a", "expected": "a b"},
    {"input": "x", "expected": "a b"},
    {"input": "b a c", "expected": "a b c", "label": "no"},
    {"other": 1, "expected": "a"},  # no input: the chat cell fails, and the metric after it
]
# f1 of "echo: <input>" against `expected`, by hand (tokens: echo, :, then the input's words).
SCORES = [2 / 3, 0.4, 0.0, 0.75]
# The judge's scripted reply per row, found by the row's input in its prompt.
VERDICTS = {"a b": "good", "a": "bad", "x": "good", "b a c": "good"}
CHOICES = ["good", "bad"]


def http_for(server: Server, account: str = ACCOUNT_A) -> httpx.Client:
    headers = {"x-api-key": server.keys[account], "x-selected-account-id": account}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def make_question(client: SGPClient) -> str:
    return client.questions.create(
        name="review",
        prompt="Is it right?",
        question_type="categorical",
        configuration={"choices": ["yes", "no"]},
    ).id


def tasks(question_id: str) -> list[dict[str, Any]]:
    return [
        chat_task("answer"),
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
            "task_type": "auto_evaluation.guided_decoding",
            "alias": "verdict",
            "configuration": {
                "model": "openai/fake-chat",
                "prompt": "Judge <<{{item.input}}>>",
                "choices": CHOICES,
            },
        },
        {
            "task_type": "contributor_evaluation.question",
            "alias": "review",
            "configuration": {
                "question_id": question_id,
                "layout": {"children": [{"data": "item.input"}]},
                "prefill_from": "label",
            },
        },
    ]


def run_evaluation(server: Server, fake: FakeModels) -> str:
    """Create the evaluation above and wait for the engine to finish it; returns its id."""
    client = make_client(server)
    fake.control(replies_for={f"<<{text}>>": [verdict] for text, verdict in VERDICTS.items()})
    with http_for(server) as http:
        response = http.post(
            "/v5/evaluations",
            json={"name": "summary", "data": ROWS, "tasks": tasks(make_question(client))},
        )
        assert response.status_code == 200, response.text
        evaluation_id: str = response.json()["id"]
    wait_until_done(client, evaluation_id)
    return evaluation_id


@pytest.fixture
def finished(engine_server: Server, fake_models: FakeModels) -> str:
    return run_evaluation(engine_server, fake_models)


def test_summary_figures(engine_server: Server, finished: str) -> None:
    with http_for(engine_server) as http:
        body = http.get(f"/v5/evaluations/{finished}/summary").json()

    assert body["object"] == "evaluation_summary"
    assert (body["evaluation_id"], body["items"]) == (finished, 5)
    assert list(body["aliases"]) == ["answer", "score", "verdict", "review"]
    answer, score, verdict, review = (body["aliases"][a] for a in body["aliases"])

    # Cells: the fifth row has no input, so its answer fails and the metric reading it too.
    assert answer["cells"] == {
        "completed": 4,
        "errored": 1,
        "pending": 0,
        "skipped": 0,
        "prefilled": 0,
    }
    assert answer["errors"] == {"ItemLocatorError": 1}
    assert score["cells"] == {
        "completed": 4,
        "errored": 1,
        "pending": 0,
        "skipped": 0,
        "prefilled": 0,
    }
    assert sum(score["errors"].values()) == 1
    assert verdict["cells"]["completed"] == 4 and verdict["cells"]["errored"] == 1
    # Two rows carry a label: prefilled; the other three wait for a human: pending.
    assert review["cells"] == {
        "completed": 0,
        "errored": 0,
        "pending": 3,
        "skipped": 0,
        "prefilled": 2,
    }
    assert review["task_type"] == "contributor_evaluation.question"

    # Numbers: f1 of the four answers.
    numeric = score["numeric"]
    mean, std = statistics.mean(SCORES), statistics.stdev(SCORES)
    assert numeric["count"] == 4
    assert numeric["mean"] == pytest.approx(mean)  # 0.454167
    assert numeric["std"] == pytest.approx(std)  # 0.337577
    assert (numeric["min"], numeric["max"]) == pytest.approx((0.0, 0.75))
    # Linear interpolation between ranks: p50 halfway between 0.4 and 2/3, p90 at 2.7.
    assert numeric["p50"] == pytest.approx((0.4 + 2 / 3) / 2)
    assert numeric["p90"] == pytest.approx(2 / 3 + 0.7 * (0.75 - 2 / 3))
    half = 3.182446305284263 * std / math.sqrt(4)  # t(0.975, df=3)
    assert numeric["ci95"] == pytest.approx([mean - half, mean + half])
    assert score["categorical"] is None and answer["numeric"] is None

    # Categories: the judge's verdicts, most frequent first; the prefilled labels.
    assert verdict["categorical"] == {
        "count": 4,
        "distinct": 2,
        "values": [
            {"value": "good", "count": 3, "share": 0.75},
            {"value": "bad", "count": 1, "share": 0.25},
        ],
        "other": {"count": 0, "share": 0.0},
    }
    assert [v["value"] for v in review["categorical"]["values"]] == ["no", "yes"]
    assert review["latency_ms"] is None
    # A chat completion's answers are free text: not tallied.
    assert answer["categorical"] is None

    # Latency: measured, so only its shape; tokens: the fake model counts words.
    latency = answer["latency_ms"]
    assert latency["count"] >= 4
    assert 0 <= latency["p50"] <= latency["p90"] <= latency["p99"]
    # Prompts: "a b", "a", "x", "b a c" = 7 words; answers "echo: " + input = 4 + 7 words.
    assert answer["usage"]["prompt_tokens"] == 7
    assert answer["usage"]["completion_tokens"] == 11
    assert answer["usage"]["total_tokens"] == 18
    assert score["usage"]["prompt_tokens"] == 0


def test_summary_of_an_evaluation_without_results(engine_server: Server) -> None:
    with http_for(engine_server) as http:
        created = http.post(
            "/v5/evaluations", json={"name": "no tasks", "data": [{"input": "a"}, {"input": "b"}]}
        ).json()
        body = http.get(f"/v5/evaluations/{created['id']}/summary").json()
    assert body == {
        "object": "evaluation_summary",
        "evaluation_id": created["id"],
        "items": 2,
        "aliases": {},
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "cost_usd": None},
    }


def test_unknown_foreign_and_archived_evaluations_are_404(
    engine_server: Server, finished: str
) -> None:
    with http_for(engine_server) as http:
        assert http.get("/v5/evaluations/nope/summary").status_code == 404
    with http_for(engine_server, ACCOUNT_B) as other:
        response = other.get(f"/v5/evaluations/{finished}/summary")
        assert response.status_code == 404
        assert finished in response.json()["detail"]
    with http_for(engine_server) as http:
        assert http.delete(f"/v5/evaluations/{finished}").status_code == 200
        assert http.get(f"/v5/evaluations/{finished}/summary").status_code == 404
        archived = http.get(
            f"/v5/evaluations/{finished}/summary", params={"include_archived": True}
        )
        assert archived.status_code == 200 and archived.json()["items"] == 5


def test_bad_query_is_422(engine_server: Server, finished: str) -> None:
    with http_for(engine_server) as http:
        response = http.get(
            f"/v5/evaluations/{finished}/summary", params={"include_archived": "maybe"}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "include_archived"]


def test_watch_ends_with_the_summary_over_http(engine_server: Server, finished: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yardstick.cli", "evaluations", "watch", finished],
        env=cli_env(engine_server, COLUMNS="250"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The first table (8 borders a row), by alias; the errors table after it has 4.
    row = {line.split("│")[1].strip(): line for line in lines if line.count("│") == 8}
    assert "mean 0.4542 ± 0.338 sd" in row["score"]
    assert "good 75%, bad 25%" in row["verdict"]
    assert " 18 " in row["answer"]  # tokens
    assert any("ItemLocatorError" in line for line in lines)


@pytest.mark.parametrize(
    "values",
    [[1e200, -1e200, 3.0], [1.5e308, 1.5e308], [1.7e308, -1.7e308]],
    ids=["squares past a double", "a sum past a double", "a deviation past a double"],
)
def test_figures_of_values_near_a_doubles_end(engine_server: Server, values: list[float]) -> None:
    """Sums of such values overflow: PostgreSQL refused them (a 500), SQLite made them a NaN
    and the deviation 0. The figures are those of the values, or null when past a double."""
    with http_for(engine_server) as http:
        question = http.post(
            "/v5/questions",
            json={"name": f"n-{uuid.uuid4().hex}", "prompt": "n?", "question_type": "number"},
        ).json()
        task = contributor_task("score", question["id"], "v")
        creating = http.post(
            "/v5/evaluations",
            json={"name": "huge", "data": [{"v": v} for v in values], "tasks": [task]},
        )
        assert creating.status_code == 200, creating.text
        created = creating.json()
        response = http.get(f"/v5/evaluations/{created['id']}/summary")
    assert response.status_code == 200, response.text
    numeric = response.json()["aliases"]["score"]["numeric"]
    # Exact to a double's precision at the values' own magnitude.
    near = max(abs(v) for v in values) * 1e-12
    scaled = [v / 1e300 for v in values]
    assert numeric["mean"] == pytest.approx(statistics.fmean(scaled) * 1e300, abs=near)
    exact = statistics.stdev(scaled) * 1e300
    assert numeric["std"] == (pytest.approx(exact, rel=1e-9) if math.isfinite(exact) else None)
    assert (numeric["min"], numeric["max"]) == (min(values), max(values))
