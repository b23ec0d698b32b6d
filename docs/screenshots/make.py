"""Take the UI's screenshots (docs/ui.md) from a real run: `.venv/bin/python docs/screenshots/make.py`.

Starts the test suite's fake model server and a Yardstick server (API and engine) on a fresh
SQLite database in a temporary folder, runs a small evaluation (a chat completion, an f1
metric and a judge, two items failing), then two runs of one dataset whose answers differ, the
dataset changed after them, and a dashboard of the second run; signs in with Debian's chromium
(Playwright; never `playwright install`) and saves evaluations.png, evaluation.png, item.png,
compare.png, dataset.png (a diff of two versions) and dashboard.png here, 1280x800.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fixtures.engine_server import engine_env
from tests.fixtures.fake_model_server import start_fake_models
from tests.fixtures.server import ACCOUNT_A, Server, run_server

OUT = Path(__file__).resolve().parent
QUESTIONS = [
    "What is the capital of France?",
    "Name a prime number between 10 and 20.",
    "Translate 'good morning' into Spanish.",
    "Who wrote 'Pride and Prejudice'?",
    "What is 12 times 12?",
    "Which planet is known as the red planet?",
    "Give a synonym for 'happy'.",
    "What is the boiling point of water in Celsius?",
    "Summarise the plot of Hamlet in one sentence, mentioning Denmark, the ghost and revenge.",
    "What does HTTP stand for?",
    "Name the largest ocean on Earth.",
    "How many legs does a spider have?",
]


def chat(alias: str) -> dict[str, object]:
    return {
        "task_type": "chat_completion",
        "alias": alias,
        "configuration": {
            "model": "openai/fake-chat",
            "messages": [{"role": "user", "content": "item.input"}],
        },
    }


def seed(server: Server) -> str:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
        question = http.post(
            "/v5/questions",
            json={
                "name": "correct",
                "prompt": "Is the answer correct?",
                "question_type": "categorical",
                "configuration": {"choices": ["right", "wrong"]},
            },
        ).json()
        rows = [
            {"input": text, "expected": f"echo: {text}" if i % 3 else f"{text} (reference)"}
            for i, text in enumerate(QUESTIONS)
        ]
        for name, tags in (
            ("baseline prompt v1", ["baseline"]),
            ("gpt-4o-mini, prompt v2", ["v2", "nightly"]),
        ):
            evaluation = http.post(
                "/v5/evaluations",
                json={
                    "name": name,
                    "tags": tags,
                    "data": rows,
                    "tasks": [
                        chat("answer"),
                        {
                            "task_type": "metric",
                            "alias": "f1",
                            "configuration": {
                                "type": "f1",
                                "candidate": "item.answer",
                                "reference": "item.expected",
                            },
                        },
                        {
                            "task_type": "auto_evaluation.question",
                            "alias": "judge",
                            "configuration": {
                                "model": "openai/fake-chat",
                                "prompt": "Judge: {{ item.answer }}",
                                "question_id": question["id"],
                            },
                        },
                    ],
                },
            ).json()
            while http.get(f"/v5/evaluations/{evaluation['id']}").json()["status"] == "running":
                time.sleep(0.2)
        evaluation_id: str = evaluation["id"]
        return evaluation_id


ANSWERS = {  # prompt v2's answers where they differ from v1's (the reference)
    0: "Paris is the capital city of France.",
    3: "Jane Austen wrote it.",
    4: "12 times 12 is 144.",
    6: "Glad.",
    9: "HyperText Transfer Protocol, the web's protocol.",
}


def seed_compare(server: Server) -> tuple[str, str, str]:
    """A dataset, two runs of it (v1 answers with the reference; v2 differs on a few rows), then
    the dataset changed: (baseline id, candidate id, dataset id)."""
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    rows = [
        {
            "input": text,
            "expected": f"The answer to: {text}",
            "topic": ("geography", "maths", "language", "culture")[i % 4],
            "day": f"2026-11-{20 + i % 6:02d}",
        }
        for i, text in enumerate(QUESTIONS)
    ]
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
        dataset = http.post("/v5/datasets", json={"name": "general knowledge", "data": rows}).json()
        items = http.get(
            "/v5/dataset-items", params={"dataset_id": dataset["id"], "limit": 100}
        ).json()["items"]
        runs = []
        for name, answers in (("prompt v1 on general knowledge", {}), ("prompt v2", ANSWERS)):
            data = [
                {"dataset_item_id": item["id"], "output": answers.get(i, rows[i]["expected"])}
                for i, item in enumerate(items)
            ]
            run = http.post(
                "/v5/evaluations",
                json={
                    "name": name,
                    "dataset_id": dataset["id"],
                    "data": data,
                    "tasks": [
                        {
                            "task_type": "chat_completion",
                            "alias": "answer",
                            "configuration": {
                                "model": "openai/fake-chat",
                                "messages": [{"role": "user", "content": "item.output"}],
                            },
                        },
                        {
                            "task_type": "metric",
                            "alias": "f1",
                            "configuration": {
                                "type": "f1",
                                "candidate": "item.answer",
                                "reference": "item.expected",
                            },
                        },
                        {
                            "task_type": "metric",
                            "alias": "rougeL",
                            "configuration": {
                                "type": "rougeL",
                                "candidate": "item.answer",
                                "reference": "item.expected",
                            },
                        },
                    ],
                },
            ).json()
            runs.append(run["id"])
        for run_id in runs:
            while http.get(f"/v5/evaluations/{run_id}").json()["status"] == "running":
                time.sleep(0.2)
        http.post(
            "/v5/dataset-items/batch",
            json={
                "dataset_id": dataset["id"],
                "data": [{"input": "Name a noble gas.", "expected": "Neon", "topic": "science"}],
            },
        )
        http.patch(
            f"/v5/dataset-items/{items[2]['id']}",
            json={"data": {**rows[2], "expected": "Buenos días", "note": "accent fixed"}},
        )
        http.delete(f"/v5/dataset-items/{items[5]['id']}")
        return runs[0], runs[1], dataset["id"]


def seed_dashboard(server: Server, evaluation_id: str) -> str:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}

    def column(name: str) -> dict[str, object]:
        return {"expression": {"type": "COLUMN", "column": name}}

    def aggregate(function: str, name: str, alias: str) -> dict[str, object]:
        return {
            "expression": {"type": "AGGREGATION", "function": function, "column": name},
            "alias": alias,
        }

    by_topic = {
        "select": [
            column("topic"),
            aggregate("AVG", "f1", "mean f1"),
            aggregate("AVG", "rougeL", "mean rougeL"),
        ],
        "groupBy": ["topic"],
    }
    widgets: list[dict[str, object]] = [
        {"title": "Prompt v2 at a glance", "type": "heading"},
        {"title": "mean f1", "type": "metric", "query": {"select": [aggregate("AVG", "f1", "f1")]}},
        {
            "title": "p90 rougeL",
            "type": "metric",
            "query": {
                "select": [
                    {
                        "expression": {
                            "type": "AGGREGATION",
                            "function": "PERCENTILE",
                            "column": "rougeL",
                            "params": {"percentile": 90},
                        }
                    }
                ]
            },
        },
        {
            "title": "About",
            "type": "markdown",
            "config": {
                "content": (
                    "Prompt **v2** against the reference answers.\n\n- f1: token overlap\n"
                    "- rougeL: longest common subsequence"
                )
            },
        },
        {
            "title": "scores by topic",
            "type": "bar",
            "config": {"x_column": "topic"},
            "query": by_topic,
        },
        {
            "title": "items by topic",
            "type": "donut",
            "config": {"x_column": "topic"},
            "query": {
                "select": [column("topic"), aggregate("COUNT", "*", "items")],
                "groupBy": ["topic"],
            },
        },
        {
            "title": "f1 spread",
            "type": "histogram",
            "config": {"x_column": "f1"},
            "query": {"select": [column("f1")]},
        },
        {
            "title": "f1 against rougeL",
            "type": "scatter",
            "config": {"x_column": "f1"},
            "query": {"select": [column("f1"), column("rougeL"), column("input")]},
        },
        {
            "title": "f1 by day",
            "type": "timeseries",
            "config": {"x_column": "day"},
            "query": {
                "select": [column("day"), aggregate("AVG", "f1", "mean f1")],
                "groupBy": ["day"],
            },
        },
        {
            "title": "lowest f1",
            "type": "table",
            "query": {
                "select": [column("input"), column("answer"), column("f1")],
                "orderBy": [{"column": "f1", "direction": "ASC"}],
                "limit": 5,
            },
        },
    ]
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
        board = http.post(
            "/v5/evaluation-dashboards",
            json={"name": "prompt v2 review", "evaluation_id": evaluation_id, "tags": ["nightly"]},
        ).json()
        for widget in widgets:
            http.post(f"/v5/evaluation-dashboards/{board['id']}/widgets", json=widget)
        board_id: str = board["id"]
        return board_id


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("needs Debian's chromium: apt-get install chromium")
    fake = start_fake_models()
    fake.control(replies_for={"Hamlet": [{"status": 429, "message": "rate limited"}] * 5})
    tmp = Path(tempfile.mkdtemp(prefix="yardstick-screens-"))
    servers = run_server("sqlite", tmp, **engine_env(fake, YARDSTICK_MODEL_MAX_ATTEMPTS="1"))
    try:
        server = next(servers)
        evaluation_id = seed(server)
        baseline_id, candidate_id, dataset_id = seed_compare(server)
        dashboard_id = seed_dashboard(server, candidate_id)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.goto(f"{server.base_url}/login")
            page.fill("input[name=account_id]", ACCOUNT_A)
            page.fill("input[name=api_key]", server.keys[ACCOUNT_A])
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.base_url}/evaluations")
            page.screenshot(path=OUT / "evaluations.png")
            page.goto(f"{server.base_url}/evaluations/{evaluation_id}")
            page.locator('.card[data-alias="f1"] svg').wait_for()
            page.screenshot(path=OUT / "evaluation.png")
            page.locator("table.results tbody tr td.id a").first.click()
            page.locator("details.span").first.locator("summary").click()
            page.screenshot(path=OUT / "item.png")
            page.goto(f"{server.base_url}/compare?baseline={baseline_id}&candidate={candidate_id}")
            page.screenshot(path=OUT / "compare.png", full_page=True)
            page.goto(f"{server.base_url}/datasets/{dataset_id}?diff=1..4")
            page.screenshot(path=OUT / "dataset.png")
            page.goto(f"{server.base_url}/dashboards/{dashboard_id}")
            page.screenshot(path=OUT / "dashboard.png", full_page=True)
            browser.close()
    finally:
        servers.close()
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")


if __name__ == "__main__":
    main()
