"""`evaluations`: an evaluation created from a 100,000-item dataset, then all its items listed.

The dataset is loaded first (not timed). Then, timed on the client:
(a) `POST /v5/evaluations {name, dataset_id}`: every live item copied into the evaluation, in one
    request → seconds;
(b) every evaluation item listed, 1,000 per page, by raw HTTP → seconds; and again through the
    official client's auto-pager (`client.evaluation_items.list`), which parses every item into
    a model → seconds.
"""

import os
import time

import httpx
import orjson
from scale_gp_beta import SGPClient

from bench.backend import Backend
from bench.ingest import make_rows
from bench.machine import OtherLoad
from bench.registry import benchmark
from bench.report import table
from bench.server import ACCOUNT, Server

ITEMS = 100_000
BATCH = 1_000
PAGE = 1_000
TARGET_CREATE_S = 5.0
TARGET_LIST_S = 10.0


def load_dataset(http: httpx.Client, rows: list[bytes]) -> str:
    first = b'{"name":"bench","data":[' + rows[0] + b"]}"
    dataset_id: str = http.post("/v5/datasets", content=first).raise_for_status().json()["id"]
    for start in range(1, len(rows), BATCH):
        body = (
            b'{"dataset_id":"'
            + dataset_id.encode()
            + b'","data":['
            + b",".join(rows[start : start + BATCH])
            + b"]}"
        )
        http.post("/v5/dataset-items/batch", content=body).raise_for_status()
    return dataset_id


def list_raw(http: httpx.Client, evaluation_id: str) -> int:
    count, cursor = 0, None
    while True:
        params = {"evaluation_id": evaluation_id, "limit": PAGE}
        if cursor:
            params["starting_after"] = cursor
        page = orjson.loads(
            http.get("/v5/evaluation-items", params=params).raise_for_status().content
        )
        count += len(page["items"])
        if not page["has_more"]:
            return count
        cursor = page["items"][-1]["id"]


@benchmark("evaluations")
def run(backend: Backend) -> None:
    rows = make_rows(ITEMS)
    other = OtherLoad()
    with Server(backend.new_database("evaluations"), backend.tmp) as server:
        headers = {**server.headers, "content-type": "application/json"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=600) as http:
            dataset_id = load_dataset(http, rows)
            with other.measure(server.cpu_seconds):
                started = time.perf_counter()
                response = http.post(
                    "/v5/evaluations", json={"name": "bench", "dataset_id": dataset_id}
                )
                create_s = time.perf_counter() - started
                evaluation_id = response.raise_for_status().json()["id"]

                started = time.perf_counter()
                listed = list_raw(http, evaluation_id)
                list_raw_s = time.perf_counter() - started

            client = SGPClient(
                api_key=server.api_key, account_id=ACCOUNT, base_url=server.base_url, timeout=600
            )
            started = time.perf_counter()
            listed_by_client = sum(
                1 for _ in client.evaluation_items.list(evaluation_id=evaluation_id, limit=PAGE)
            )
            list_client_s = time.perf_counter() - started
    if listed != ITEMS or listed_by_client != ITEMS:
        raise RuntimeError(f"listed {listed} / {listed_by_client} items, expected {ITEMS}")

    targets = backend.kind == "sqlite"

    def verdict(ok: bool) -> str:
        return ("yes" if ok else "NO") if targets else "n/a"

    print(f"{ITEMS:,} dataset items of ~1 KB; database: {backend.kind}")
    print(
        table(
            ("figure", "seconds", "target" + ("" if targets else " (SQLite only)"), "met"),
            [
                (
                    "(a) create the evaluation from the dataset",
                    f"{create_s:.2f}",
                    f"<= {TARGET_CREATE_S:g}",
                    verdict(create_s <= TARGET_CREATE_S),
                ),
                (
                    f"(b) list all items, raw HTTP, {PAGE} per page",
                    f"{list_raw_s:.2f}",
                    f"<= {TARGET_LIST_S:g}",
                    verdict(list_raw_s <= TARGET_LIST_S),
                ),
                (
                    f"(b) list all items, official client, {PAGE} per page",
                    f"{list_client_s:.2f}",
                    "",
                    "",
                ),
            ],
        )
    )
    print(
        f"other processes kept {other.cores:.2f} of {os.cpu_count()} CPUs busy during the timed phases"
    )
