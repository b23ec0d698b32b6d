"""PostgreSQL knows how a cell's alias, status and error type go together (migration 0024).

Without the extended statistics the planner multiplies the three shares as if independent and
expects a handful of cells of an error type where a run has thousands; the results table
filtered by an error type then read and sorted them all instead of walking the items in order.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, Table, insert, text
from sqlalchemy.orm import Session

from tests.conftest import require_backend
from tests.fixtures.server import ACCOUNT_A, run_server
from yardstick.db.engine import create_db_engine
from yardstick.ids import new_ids
from yardstick.kit.bulk import bulk_insert
from yardstick.models import Evaluation, EvaluationItem, TaskResult

ITEMS = 20_000
ERRORED_EVERY = 50  # 2 % of the items: the `answer` cell failed with a RateLimitError


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh PostgreSQL database, migrated by a server, holding one evaluation of ITEMS items
    with two aliases' cells (nothing else, so the statistics are this data's)."""
    require_backend("postgresql")
    tmp: Path = tmp_path_factory.mktemp("outcome-statistics")
    for server in run_server("postgresql", tmp):
        engine = create_db_engine(server.database_url)
        _fill(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE task_results"))
        yield engine
        engine.dispose()


def _table(model: type[object]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _fill(engine: Engine) -> None:
    now = datetime.now(UTC)
    (evaluation_id,) = new_ids(1)
    item_ids = new_ids(ITEMS)
    with engine.begin() as conn:
        conn.execute(
            insert(Evaluation).values(
                id=evaluation_id,
                account_id=ACCOUNT_A,
                name="outcome statistics",
                tags=[],
                status="completed",
                tasks=[],
                item_count=ITEMS,
                created_by_user_id="test",
                created_at=now,
                updated_at=now,
            )
        )
    with Session(engine) as session, session.begin():
        bulk_insert(
            session,
            _table(EvaluationItem),
            ("id", "account_id", "evaluation_id", "data", "created_at"),
            [
                (i, ACCOUNT_A, evaluation_id, orjson.dumps({"n": n}).decode(), now)
                for n, i in enumerate(item_ids)
            ],
        )
        columns = ("item_id", "alias", "evaluation_id", "status", "value", "error_type", "attempts")
        cells = []
        for n, item_id in enumerate(item_ids):
            failed = n % ERRORED_EVERY == 0
            cells.append(
                (
                    item_id,
                    "answer",
                    evaluation_id,
                    "errored" if failed else "completed",
                    None if failed else "text",
                    "RateLimitError" if failed else None,
                    1,
                )
            )
            cells.append((item_id, "score", evaluation_id, "completed", 0.5, None, 1))
        bulk_insert(session, _table(TaskResult), columns, cells)


def test_the_planner_expects_as_many_cells_of_an_error_type_as_there_are(
    database: Engine,
) -> None:
    with database.connect() as conn:
        assert (
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'st_task_results_outcome'"
                )
            ).scalar_one()
            == 1
        )
        plan = conn.execute(
            text(
                "EXPLAIN (FORMAT JSON) SELECT item_id FROM task_results "
                "WHERE alias = 'answer' AND status = 'errored' AND error_type = 'RateLimitError'"
            )
        ).scalar_one()
    expected = plan[0]["Plan"]["Plan Rows"]
    actual = ITEMS // ERRORED_EVERY
    # Independent shares would give 40,000 × ½ × 1 % × 1 % = 4 rows.
    assert actual / 3 <= expected <= actual * 3, plan
