"""Take the UI's screenshots (docs/ui.md) from a real run: `.venv/bin/python docs/screenshots/make.py`.

Starts the test suite's fake model server and a Yardstick server (API and engine) on a fresh
SQLite database in a temporary folder, runs a small evaluation (a chat completion, an f1
metric and a judge, two items failing), then signs in with Debian's chromium (Playwright; never
`playwright install`) and saves evaluations.png, evaluation.png and item.png here, 1280x800.
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
            browser.close()
    finally:
        servers.close()
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")


if __name__ == "__main__":
    main()
