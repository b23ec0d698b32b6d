"""`first`: the first seconds of a run, on a freshly started server and on a warm one.

Each figure is timed on the client from the `POST /v5/evaluations` until a keep-alive client,
polling every 5 ms, sees `completed`; the fake OpenAI-compatible model server answers in 50 ms.

(a) A fresh server (a new process and database, timed from the moment `/health` answers):
    - its first 1-item evaluation of one chat completion (target ≤ 400 ms): the enqueue must
      wake the engine rather than wait for a poll;
    - its first 1-item evaluation of one bleu metric (target ≤ 1 s): the scorer pool is started
      in the background at start-up, so the cell should not pay for the pool's start;
    - its first 1-item evaluation of one f1 metric: a light, pure-Python metric, which should
      not wait for the pool at all (the same 400 ms as the first chat run).
    Each on FRESH_STARTS new servers; the median is the figure.
(b) A warm server: a 10-item evaluation of one chat completion (all ten calls in flight at
    once), WARM_RUNS times; p50 target ≤ 100 ms. The machine's limit beside it: the model's
    latency plus an empty round trip (`GET /health`) from the same client.
"""

import statistics
import time
from collections.abc import Callable

import httpx

from bench.backend import Backend
from bench.machine import OtherLoad, tree_cpu_seconds
from bench.registry import benchmark
from bench.report import table
from bench.server import Server
from tests.fixtures.fake_model_server import start_fake_models

LATENCY_S = 0.05
FRESH_STARTS = 3
WARM_RUNS = 30
POLL_S = 0.005
TARGET_FIRST_RUN_S = 0.4
TARGET_FIRST_METRIC_S = 1.0
TARGET_WARM_S = 0.1

Body = Callable[[int], dict[str, object]]


def chat_body(items: int) -> dict[str, object]:
    return {
        "name": "first",
        "data": [{"input": f"question {i}"} for i in range(items)],
        "tasks": [
            {
                "task_type": "chat_completion",
                "alias": "answer",
                "configuration": {
                    "model": "openai/fake-chat",
                    "messages": [{"role": "user", "content": "item.input"}],
                },
            }
        ],
    }


def metric_body(metric: str) -> Body:
    def body(items: int) -> dict[str, object]:
        return {
            "name": "first",
            "data": [
                {"answer": f"the cat sat on mat {i}", "expected": f"the cat sat on the mat {i}"}
                for i in range(items)
            ],
            "tasks": [
                {
                    "task_type": "metric",
                    "alias": metric,
                    "configuration": {
                        "type": metric,
                        "candidate": "item.answer",
                        "reference": "item.expected",
                    },
                }
            ],
        }

    return body


def time_run(http: httpx.Client, body: dict[str, object]) -> float:
    """Seconds from the create request until `completed` is seen."""
    started = time.perf_counter()
    evaluation = http.post("/v5/evaluations", json=body).raise_for_status().json()
    while evaluation["status"] == "running":
        time.sleep(POLL_S)
        evaluation = http.get(f"/v5/evaluations/{evaluation['id']}").raise_for_status().json()
    seconds = time.perf_counter() - started
    progress = evaluation["progress"]["items"]
    if evaluation["status"] != "completed" or progress["failed"]:
        raise RuntimeError(f"run ended {evaluation['status']} with {progress}")
    return seconds


def fresh(
    backend: Backend, env: dict[str, str], body: Body, label: str, other: OtherLoad
) -> list[float]:
    seconds = []
    for start in range(FRESH_STARTS):
        database = backend.new_database(f"first-{label}-{start}")
        with (
            Server(database, backend.tmp, env=env) as server,
            httpx.Client(base_url=server.base_url, headers=server.headers, timeout=60) as http,
            other.measure(lambda: tree_cpu_seconds(server.pid)),  # its scorer processes too
        ):
            seconds.append(time_run(http, body(1)))
    return seconds


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


@benchmark("first")
def run(backend: Backend) -> None:
    other = OtherLoad()
    rows: list[list[str]] = []
    fake = start_fake_models()
    try:
        fake.control(latency_ms=LATENCY_S * 1000)
        env = {
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": "bench",
            "YARDSTICK_SCORING_PREWARM": "true",  # the default, which the benchmark server turns off
        }
        for label, body, target in (
            ("fresh server, first chat run (1 item)", chat_body, TARGET_FIRST_RUN_S),
            (
                "fresh server, first bleu cell (1 item)",
                metric_body("bleu"),
                TARGET_FIRST_METRIC_S,
            ),
            ("fresh server, first f1 cell (1 item)", metric_body("f1"), TARGET_FIRST_RUN_S),
        ):
            runs = fresh(backend, env, body, label.split()[3], other)
            median = statistics.median(runs)
            rows.append(
                [
                    label,
                    ms(median),
                    " / ".join(ms(s) for s in runs),
                    "",
                    "",
                    f"<= {ms(target)}",
                    "yes" if median <= target else "NO",
                ]
            )

        database = backend.new_database("first-warm")
        with (
            Server(database, backend.tmp, env=env) as server,
            httpx.Client(base_url=server.base_url, headers=server.headers, timeout=60) as http,
        ):
            for _ in range(3):  # warm: the engine's queue, the connection pool, the client
                time_run(http, chat_body(10))
            trips = []
            for _ in range(50):
                started = time.perf_counter()
                http.get("/health").raise_for_status()
                trips.append(time.perf_counter() - started)
            limit = LATENCY_S + statistics.median(trips)
            with other.measure(lambda: tree_cpu_seconds(server.pid)):
                warm = sorted(time_run(http, chat_body(10)) for _ in range(WARM_RUNS))
        p50 = statistics.median(warm)
        rows.append(
            [
                f"warm server, 10-item chat run (p50 of {WARM_RUNS})",
                ms(p50),
                f"p90 {ms(warm[int(len(warm) * 0.9)])}",
                ms(limit),
                f"{limit / p50:.0%}",
                f"<= {ms(TARGET_WARM_S)}",
                "yes" if p50 <= TARGET_WARM_S else "NO",
            ]
        )
    finally:
        fake.stop()

    print(f"fake model latency {ms(LATENCY_S)} ms; database: {backend.kind}")
    print(
        table(
            ["figure", "ms", "each / spread", "limit ms", "limit / figure", "target", "met"],
            rows,
        )
    )
    print(
        "limit: the model's latency plus an empty round trip (GET /health) from the same client\n"
        f"other processes kept {other.cores:.2f} of 2 CPUs busy during the timed phases"
    )
