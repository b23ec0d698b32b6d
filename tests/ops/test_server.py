"""/metrics and the structured log of a real `yardstick serve`, on SQLite and PostgreSQL."""

import time
from datetime import datetime
from typing import Any

import httpx
from scale_gp_beta import SGPClient

from tests.execution.helpers import wait_until_done
from tests.fixtures.server import ACCOUNT_A, Server
from tests.ops.helpers import json_events, log_lines, scrape, value

TEMPLATE = "/v5/evaluations/{evaluation_id}"
ROWS = [
    {"output": "the cat sat on the mat", "expected": "the cat sat on the mat"},
    {"output": "a quick brown fox", "expected": "the quick brown fox jumps"},
    {"output": "nothing alike", "expected": "entirely different words"},
]


def test_metrics_need_no_key_and_parse(server: Server) -> None:
    names = {sample.name for sample in scrape(server)}

    assert "yardstick_http_request_duration_seconds_bucket" in names
    assert "yardstick_queue_depth" in names
    assert "yardstick_scorer_pool_size" in names
    assert "process_resident_memory_bytes" in names


def test_a_request_counts_under_its_route_template(server: Server, http: httpx.Client) -> None:
    labels = {"route": TEMPLATE, "method": "GET", "status": "404"}
    before = value(scrape(server), "yardstick_http_requests_total", **labels)

    assert http.get("/v5/evaluations/no-such-evaluation").status_code == 404
    assert http.get("/v5/evaluations/no-such-evaluation/").status_code == 404  # same route

    samples = scrape(server)
    assert value(samples, "yardstick_http_requests_total", **labels) == before + 2
    # The raw path is never a label value: the series stay bounded whatever clients send.
    assert not any("no-such-evaluation" in str(s.labels) for s in samples)
    count = value(
        samples, "yardstick_http_request_duration_seconds_count", route=TEMPLATE, method="GET"
    )
    assert count >= 2
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    before = value(samples, "yardstick_http_requests_total", **unmatched)
    assert http.get("/no/such/route").status_code == 404
    assert value(scrape(server), "yardstick_http_requests_total", **unmatched) == before + 1
    # Refused before routing (no key): counted under its route all the same, not "unmatched".
    refused = {"route": TEMPLATE, "method": "GET", "status": "401"}
    before = value(scrape(server), "yardstick_http_requests_total", **refused)
    assert httpx.get(f"{server.base_url}/v5/evaluations/any").status_code == 401
    assert value(scrape(server), "yardstick_http_requests_total", **refused) == before + 1


def test_a_head_request_counts_as_a_head(server: Server, http: httpx.Client) -> None:
    # HEAD is answered as a GET (yardstick.kit.head); a load balancer's probes were GETs here.
    head = {"route": "/health", "method": "HEAD", "status": "200"}
    get = {**head, "method": "GET"}
    samples = scrape(server)
    heads, gets = (value(samples, "yardstick_http_requests_total", **s) for s in (head, get))

    assert httpx.head(f"{server.base_url}/health").status_code == 200

    samples = scrape(server)
    assert value(samples, "yardstick_http_requests_total", **head) == heads + 1
    assert value(samples, "yardstick_http_requests_total", **get) == gets


def _events_of(server: Server, evaluation_id: str, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """The run's log events by name, waiting a little: `run.finished` is written just after the
    commit that makes the evaluation `completed`, so a client can see that first."""
    deadline = time.monotonic() + 15
    while True:
        found = {
            event["event"]: event
            for event in json_events(server.data_dir / "server.log")
            if event.get("evaluation_id") == evaluation_id
        }
        if wanted <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_metric_run_counts_its_cells_and_logs_its_start_and_finish(
    server: Server, client: SGPClient
) -> None:
    before = value(scrape(server), "yardstick_cells_total", status="completed")

    evaluation = client.evaluations.create(
        name="ops: bleu over prefilled rows",
        data=ROWS,
        tasks=[
            {
                "task_type": "metric",
                "alias": "bleu",
                "configuration": {
                    "type": "bleu",
                    "candidate": "item.output",
                    "reference": "item.expected",
                },
            }
        ],
    )
    assert wait_until_done(client, evaluation.id).status == "completed"

    samples = scrape(server)
    # At least: the session's server is shared, and other tests' runs may still be writing.
    assert value(samples, "yardstick_cells_total", status="completed") >= before + 3
    assert value(samples, "yardstick_scorer_pool_size") >= 1  # bleu started the pool

    events = _events_of(server, evaluation.id, {"run.started", "run.finished"})
    started, finished = events["run.started"], events["run.finished"]
    assert started["level"] == "info" and started["ts"].endswith("Z")
    assert (started["account_id"], started["run"], started["items"]) == (ACCOUNT_A, 1, 3)
    assert started["tasks"] == ["bleu"]
    assert (finished["status"], finished["run"], finished["cells"]) == (
        "completed",
        1,
        {"completed": 3},
    )
    assert finished["duration_s"] >= 0 and finished["cost_usd"] == 0
    # The run's time, from its enqueue to its end: on SQLite DBOS keeps the enqueue in whole
    # seconds, and the figure once gave the fraction of the last second instead.
    logged = _seconds(finished["ts"]) - _seconds(started["ts"])
    assert abs(finished["duration_s"] - logged) < 0.25, (finished["duration_s"], logged)


def test_a_cancel_is_logged(server: Server, client: SGPClient, http: httpx.Client) -> None:
    row = {"output": "the cat sat on the mat", "expected": "a cat sat on a mat"}
    evaluation = client.evaluations.create(
        name="ops: cancelled",
        data=[row] * 1000,  # a few hundred milliseconds of scoring: the cancel finds it running
        tasks=[
            {
                "task_type": "metric",
                "alias": "bleu",
                "configuration": {
                    "type": "bleu",
                    "candidate": "item.output",
                    "reference": "item.expected",
                },
            }
        ],
    )
    http.post(f"/v5/evaluations/{evaluation.id}/cancel").raise_for_status()

    if wait_until_done(client, evaluation.id).status == "completed":
        return  # it finished before the cancel arrived: nothing was cancelled, nothing to log
    cancelled = _events_of(server, evaluation.id, {"run.cancelled"})["run.cancelled"]
    assert (cancelled["level"], cancelled["run"]) == ("warning", 1)
    assert cancelled["status_reason"] == "cancelled by the user"


def test_no_log_line_holds_an_api_key(server: Server) -> None:
    lines = log_lines(server)
    assert any(line.startswith("{") for line in lines)
    for key in server.keys.values():
        assert not any(key in line for line in lines)


def _seconds(ts: str) -> float:
    return datetime.fromisoformat(ts).timestamp()
