"""Paging deep into the results table of a 100,000-item evaluation, over plain HTTP.

The evaluation costs no model work: its dataset is made with its first 25,000 items and filled
through `POST /v5/dataset-items/batch`, 25,000 a request; its one task is a
`contributor_evaluation.question`, whose cells are then written straight into the database for
one item in two (as answers would be, with the results version bumped), the rest pending.

The pages are reached as a reader reaches them: the first page, then "Next page" links (the
table's htmx swap, so only the table is rendered), 200 rows a page, the most the page accepts.
Walking all 1,000 pages of both orders took minutes; instead each walk also starts from cursors
deep into the table (made the way the page makes them), follows a few "Next page" links from
there, and walks the last pages to the end. Every row must be the one the order puts there: row
order, and sorted by the answer (ties by item id, the items without one last, in row order),
across the switch from the answered items to the others.
"""

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from tests.fixtures.server import Server
from tests.web.conftest import api, web_client
from yardstick.db.engine import create_db_engine
from yardstick.evaluation.results_version import results_changed
from yardstick.models import EvaluationItem, TaskResult
from yardstick.web.evaluation.query import Cursor

ITEMS = 100_000
BATCH = 25_000  # items a request
PAGE = 200  # the table's largest `limit`
FOLLOWED = 3  # "Next page" links followed from each deep start
# A row: its item id, then its first input cell, `n`.
ROW = re.compile(
    r'<tr data-item="([^"]+)">\s*<td class="id">.*?</td>\s*<td class="[^"]*">(\d+)</td>'
)
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
# The table alone, as its htmx links ask for it (see web/evaluation/endpoints.py).
SWAP = {"hx-request": "true", "hx-target": "results"}
JSON = {"content-type": "application/json"}


def grade(n: int) -> float | None:
    """Every other item has none; the others one of 500 values, in runs of 100 equal ones."""
    return None if n % 2 else (n // 2 * 7919 % 500) / 10


@dataclass(frozen=True)
class Large:
    server: Server
    evaluation_id: str
    rows: list[tuple[str, int]]  # (item id, n) in row order


@pytest.fixture(scope="module")
def database(engine_server: Server) -> Iterator[Engine]:
    engine = create_db_engine(engine_server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def large(engine_server: Server, database: Engine) -> Large:
    rows = [{"n": n} for n in range(ITEMS)]
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
                            "layout": {"children": [{"data": "item.n"}]},
                        },
                    }
                ],
            },
        )
    assert evaluation.status_code == 200, evaluation.text
    evaluation_id: str = evaluation.json()["id"]
    with Session(database) as session:
        found = session.execute(
            select(EvaluationItem.id, EvaluationItem.data)
            .where(EvaluationItem.evaluation_id == evaluation_id)
            .order_by(EvaluationItem.id)
        )
        in_order = [(item_id, orjson.loads(data)["n"]) for item_id, data in found]
    # The cells in a transaction of their own that writes first: on SQLite, a transaction that
    # read before it writes fails at once ("database is locked") if the server wrote in between
    # (a heartbeat), instead of waiting its turn.
    with Session(database) as session, session.begin():
        now = datetime.now(UTC)
        cells = [
            {
                "item_id": item_id,
                "alias": "grade",
                "evaluation_id": evaluation_id,
                "status": "completed",
                "value": grade(n),
                "attempts": 1,
                "started_at": now,
                "finished_at": now,
            }
            for item_id, n in in_order
            if grade(n) is not None
        ]
        session.execute(insert(TaskResult), cells)
        results_changed(session, [evaluation_id])  # as every writer of cells does
    if engine_server.backend == "postgresql":
        # What autovacuum does within a minute of a load this size (bench/ does the same): until
        # then the planner believes the cells as few as before the load, and reads the whole
        # evaluation for what one seek of the right index answers.
        with database.connect() as connection:
            connection.execute(text("ANALYZE task_results"))
            connection.execute(text("ANALYZE evaluation_items"))
            connection.commit()
    return Large(engine_server, evaluation_id, in_order)


def walk(client: httpx.Client, url: str, pages: int | None) -> list[tuple[str, int]]:
    """(item id, n) of the rows of `url`'s page and of up to `pages` pages after it (all of them
    with None), following the "Next page" links."""
    seen: list[tuple[str, int]] = []
    response = client.get(url)
    followed = 0
    while True:
        assert response.status_code == 200, response.text
        seen += [(item_id, int(n)) for item_id, n in ROW.findall(response.text)]
        found = NEXT.search(response.text)
        if found is None or (pages is not None and followed == pages):
            return seen
        response = client.get(html.unescape(found.group(1)), headers=SWAP)
        assert "<header" not in response.text  # the table alone
        followed += 1


def test_row_order_deep_and_to_the_end(large: Large) -> None:
    base = f"/evaluations/{large.evaluation_id}?limit={PAGE}"
    rows = large.rows
    assert [n for _, n in rows] == list(range(ITEMS))  # the dataset's order, whole
    with web_client(large.server) as client:
        assert walk(client, base, FOLLOWED) == rows[: PAGE * (FOLLOWED + 1)]
        for start in (41_337, ITEMS - PAGE * 3 - 7):
            after = Cursor("i", None, rows[start - 1][0]).encode(None, "asc")
            seen = walk(client, f"{base}&after={after}", None if start > ITEMS // 2 else FOLLOWED)
            want = rows[start : start + len(seen)]
            assert seen == want and len(seen) >= min(PAGE * (FOLLOWED + 1), ITEMS - start)
        assert seen[-1] == rows[-1]  # the last walk reached the end


def test_sorted_by_an_alias_deep_across_the_switch_to_items_without_a_value(
    large: Large,
) -> None:
    base = f"/evaluations/{large.evaluation_id}?sort=grade&order=desc&limit={PAGE}"
    graded = [(row, grade(row[1])) for row in large.rows if grade(row[1]) is not None]
    by_grade = [row for row, _ in sorted(graded, key=lambda x: (x[1], x[0][0]), reverse=True)]
    ungraded = [row for row in large.rows if grade(row[1]) is None]
    expected = by_grade + ungraded
    value = {row[0]: g for row, g in graded}
    with web_client(large.server) as client:
        assert walk(client, base, FOLLOWED) == expected[: PAGE * (FOLLOWED + 1)]
        # Deep in the graded items; then a page before the switch, walked past it; then deep in
        # the ungraded ones, to the end.
        for start in (23_456, len(by_grade) - PAGE - 13, ITEMS - PAGE * 3 - 13):
            last_id = expected[start - 1][0]
            phase = "v" if last_id in value else "m"
            cursor = Cursor(phase, value.get(last_id), last_id).encode("grade", "desc")
            to_end = start > len(by_grade)
            seen = walk(client, f"{base}&after={cursor}", None if to_end else FOLLOWED)
            assert seen == expected[start : start + len(seen)]
            assert len(seen) == (ITEMS - start if to_end else PAGE * (FOLLOWED + 1))
