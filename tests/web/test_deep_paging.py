"""Paging the results table of a 100,000-item evaluation to its end, over plain HTTP.

The evaluation costs no model work: its dataset is made with its first 25,000 items and filled
through `POST /v5/dataset-items/batch`, 25,000 a request; its one task is a
`contributor_evaluation.question` that prefills from the `score` column, so the create stores
the cell of every item that has a score (one in two; the rest stay pending) and the evaluation
is finished at once. Each walk follows the "Next page" links as the browser does (the table's
htmx swap, so only the table is rendered), 200 rows a page, the most the page accepts, and must
see every item exactly once, in order: row order, and sorted by the score (ties by item id, the
items without a score last, in row order).
"""

import html
import re
from dataclasses import dataclass

import httpx
import orjson
import pytest
from sqlalchemy import text

from tests.fixtures.server import Server
from tests.web.conftest import api, web_client
from yardstick.db.engine import create_db_engine

ITEMS = 100_000
BATCH = 25_000  # items a request
PAGE = 200  # the table's largest `limit`
# A row: its item id, then its first input cell, `n`.
ROW = re.compile(
    r'<tr data-item="([^"]+)">\s*<td class="id">.*?</td>\s*<td class="[^"]*">(\d+)</td>'
)
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
# The table alone, as its htmx links ask for it (see web/evaluation/endpoints.py).
SWAP = {"hx-request": "true", "hx-target": "results"}
JSON = {"content-type": "application/json"}


def score(n: int) -> float | None:
    """Every other item has none; the others one of 500 values, in runs of 100 equal ones."""
    return None if n % 2 else (n // 2 * 7919 % 500) / 10


@dataclass(frozen=True)
class Large:
    server: Server
    evaluation_id: str


@pytest.fixture(scope="module")
def large(engine_server: Server) -> Large:
    rows = [{"n": n, "score": score(n)} for n in range(ITEMS)]
    with api(engine_server) as http:
        http.timeout = httpx.Timeout(300)
        first = {"name": "100k", "data": rows[:BATCH]}
        created = http.post("/v5/datasets", content=orjson.dumps(first), headers=JSON)
        assert created.status_code == 200, created.text
        dataset_id = created.json()["id"]
        for start in range(BATCH, ITEMS, BATCH):
            batch = {"dataset_id": dataset_id, "data": rows[start : start + BATCH]}
            added = http.post("/v5/dataset-items/batch", content=orjson.dumps(batch), headers=JSON)
            assert added.status_code == 200, added.text
        question = http.post(
            "/v5/questions",
            json={"name": "grade", "prompt": "Grade it", "configuration": {"min": 0, "max": 100}},
        )
        assert question.status_code == 200, question.text
        evaluation = http.post(
            "/v5/evaluations",
            json={
                "name": "100k items",
                "dataset_id": dataset_id,
                "tasks": [
                    {
                        "task_type": "contributor_evaluation.question",
                        "alias": "grade",
                        "configuration": {
                            "question_id": question.json()["id"],
                            "layout": {"data": "item.n"},
                            "prefill_from": "score",
                        },
                    }
                ],
            },
        )
    assert evaluation.status_code == 200, evaluation.text
    assert evaluation.json()["status"] == "completed"  # nothing to run
    if engine_server.backend == "postgresql":
        # What autovacuum does within a minute of a load this size (bench/ does the same): until
        # then the planner believes the cells as few as before the load, and reads the whole
        # evaluation for what one seek of the right index answers.
        engine = create_db_engine(engine_server.database_url)
        try:
            with engine.connect() as connection:
                connection.execute(text("ANALYZE task_results"))
                connection.execute(text("ANALYZE evaluation_items"))
                connection.commit()
        finally:
            engine.dispose()
    return Large(engine_server, evaluation.json()["id"])


def walk(client: httpx.Client, url: str) -> list[tuple[str, int]]:
    """(item id, n) of every row of every page from `url` on, following the "Next page" links."""
    seen: list[tuple[str, int]] = []
    response = client.get(url)  # the whole page, as the browser opens it
    while True:
        assert response.status_code == 200, response.text
        seen += [(item_id, int(n)) for item_id, n in ROW.findall(response.text)]
        found = NEXT.search(response.text)
        if found is None:
            return seen
        response = client.get(html.unescape(found.group(1)), headers=SWAP)
        assert "<header" not in response.text  # the table alone


def test_every_item_once_in_row_order_and_sorted(large: Large) -> None:
    base = f"/evaluations/{large.evaluation_id}"
    with web_client(large.server) as client:
        in_row_order = walk(client, f"{base}?limit={PAGE}")
        by_score = walk(client, f"{base}?sort=grade&order=desc&limit={PAGE}")

    # Row order is the dataset's: n = 0, 1, 2, … with no gap and no repeat, to the end.
    assert [n for _, n in in_row_order] == list(range(ITEMS))
    assert len({item_id for item_id, _ in in_row_order}) == ITEMS
    # Sorted: highest score first, ties by item id (descending, as the cursor runs), then the
    # items without a score in row order.
    scores = {item_id: score(n) for item_id, n in in_row_order}
    scored = [row for row in in_row_order if scores[row[0]] is not None]
    expected = sorted(scored, key=lambda row: (scores[row[0]], row[0]), reverse=True)
    expected += [row for row in in_row_order if scores[row[0]] is None]
    assert len(by_score) == ITEMS
    assert by_score == expected
