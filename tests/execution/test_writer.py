"""The group commit of cells (execution/writer.py), in process on the engine server's database:
the chunks of a process share one commit, and a chunk whose cells cannot be written fails alone."""

import asyncio
from collections.abc import Iterator

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import select, update

from tests.evaluation.helpers import make_evaluation
from tests.fixtures.server import Server
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.execution.cells import cell_row
from yardstick.execution.writer import CellWriter
from yardstick.models import Evaluation, EvaluationItem, TaskResult
from yardstick.models.task_result import CellRow


@pytest.fixture
def sessions(engine_server: Server) -> Iterator[SessionFactory]:
    engine = create_db_engine(engine_server.database_url)
    yield SessionFactory(engine)
    engine.dispose()


def running(client: SGPClient, sessions: SessionFactory) -> tuple[str, list[str]]:
    """An evaluation of two items, marked running (it has no tasks: no chunk of the server's
    writes to it), and its item ids."""
    evaluation = make_evaluation(client, 2)
    with sessions.write() as session, session.begin():
        session.execute(
            update(Evaluation)
            .where(Evaluation.id == evaluation.id)
            .values(status="running", run_number=1)
        )
        items = session.scalars(
            select(EvaluationItem.id).where(EvaluationItem.evaluation_id == evaluation.id)
        ).all()
    return evaluation.id, list(items)


def stored(sessions: SessionFactory, evaluation_id: str) -> dict[tuple[str, str], object]:
    with sessions.read() as session:
        rows = session.execute(
            select(TaskResult.item_id, TaskResult.alias, TaskResult.value).where(
                TaskResult.evaluation_id == evaluation_id
            )
        )
        return {(item, alias): value for item, alias, value in rows}


def cell(evaluation_id: str, item_id: str, value: object) -> CellRow:
    return cell_row(
        evaluation_id=evaluation_id,
        item_id=item_id,
        alias="a",
        status="completed",
        started_at=utcnow(),
        value=value,
    )


def test_chunks_share_commits_and_a_chunk_that_cannot_write_fails_alone(
    engine_client: SGPClient, sessions: SessionFactory
) -> None:
    first, items = running(engine_client, sessions)
    second, _ = running(engine_client, sessions)

    async def main() -> list[object]:
        writer = await CellWriter(sessions, first, 1, account_id="a").__aenter__()
        broken = await CellWriter(sessions, second, 1, account_id="a").__aenter__()
        # Queued together, so committed together; but the foreign key refuses the broken
        # chunk's cell (no such item), and with it that commit.
        results = await asyncio.gather(
            writer.add(cell(first, items[0], {"n": 1})),
            broken.add(cell(second, "no-such-item", 1)),
            writer.add(cell(first, items[1], [2])),
            return_exceptions=True,
        )
        await writer.__aexit__(None, None, None)
        with pytest.raises(type(results[1])):
            await broken.__aexit__(None, None, None)
        return results

    results = asyncio.run(main())

    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    assert stored(sessions, first) == {(items[0], "a"): {"n": 1}, (items[1], "a"): [2]}
    assert stored(sessions, second) == {}


def test_a_stopped_run_writes_nothing_and_its_writer_says_so(
    engine_client: SGPClient, sessions: SessionFactory
) -> None:
    evaluation_id, items = running(engine_client, sessions)
    with sessions.write() as session, session.begin():
        session.execute(
            update(Evaluation).where(Evaluation.id == evaluation_id).values(status="failed")
        )

    async def main() -> bool:
        async with CellWriter(sessions, evaluation_id, 1, account_id="a") as writer:
            await writer.add(cell(evaluation_id, items[0], 1))
            return writer.stopped

    assert asyncio.run(main())
    assert stored(sessions, evaluation_id) == {}
