"""The group commit of cells (execution/writer.py), in process on the engine server's database:
the chunks of a process share one commit, and a chunk whose cells cannot be written fails alone."""

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from scale_gp_beta import SGPClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from tests.evaluation.helpers import make_evaluation
from tests.fixtures.server import Server
from yardstick.db.engine import create_db_engine
from yardstick.db.retry import is_transient
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.execution.cells import cell_row
from yardstick.execution.engine import ChunkLease, stall_timeout_ms, workflow_status_table
from yardstick.execution.writer import CellWriter, end_if_stalled
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


def chunk_row(sessions: SessionFactory, workflow_id: str, token: str | None) -> None:
    """A row in DBOS's workflow table holding `token`, as a claim of the chunk writes it; inert
    (already ended), so no worker of the server takes it."""
    with sessions.write() as session, session.begin():
        table = workflow_status_table(session.get_bind().dialect.name)
        session.execute(
            text(
                f"INSERT INTO {table} (workflow_uuid, status, name, owner_xid)"
                " VALUES (:id, 'SUCCESS', 'test-chunk', :token)"
            ),
            {"id": workflow_id, "token": token},
        )


def test_a_chunk_taken_over_writes_nothing_and_its_writer_says_so(
    engine_client: SGPClient, sessions: SessionFactory
) -> None:
    """The fence of a worker that was paused past the dead-after: each commit writes only for
    the chunks whose lease is still held; the others' writers are `taken`, and only they."""
    evaluation_id, items = running(engine_client, sessions)
    suffix = str(uuid.uuid4())
    kept = ChunkLease(f"kept-{suffix}", "token-1")
    retaken = ChunkLease(f"retaken-{suffix}", "token-1")
    requeued = ChunkLease(f"requeued-{suffix}", "token-1")
    chunk_row(sessions, kept.workflow_id, "token-1")
    chunk_row(sessions, retaken.workflow_id, "token-2")  # another worker's claim since
    chunk_row(sessions, requeued.workflow_id, None)  # re-queued, not claimed yet

    async def main() -> list[tuple[bool, bool]]:
        writers = [
            await CellWriter(sessions, evaluation_id, 1, account_id="a", lease=lease).__aenter__()
            for lease in (kept, retaken, requeued, None)
        ]
        await asyncio.gather(
            *(writer.add(cell(evaluation_id, items[n % 2], n)) for n, writer in enumerate(writers))
        )
        for writer in writers:
            await writer.__aexit__(None, None, None)
        return [(writer.taken, writer.stopped) for writer in writers]

    flags = asyncio.run(main())

    assert flags == [(False, False), (True, True), (True, True), (False, False)]
    # Items 0 and 1 got the first and the last writer's cells, each stored once.
    assert stored(sessions, evaluation_id) == {(items[0], "a"): 0, (items[1], "a"): 3}


@pytest.mark.parametrize("engine_server", ["postgresql"], indirect=True)
def test_a_commit_stalled_mid_transaction_is_ended_by_postgresql(
    sessions: SessionFactory,
) -> None:
    """A worker paused inside a group commit would hold its locks (the run's row, its chunks'
    rows) until it woke, and hold back the takeover; PostgreSQL ends such a transaction.
    (SQLite has no such timeout; its workers share one machine.)"""
    assert stall_timeout_ms(30) == 15_000 and stall_timeout_ms(0.5) == 1000
    with pytest.raises(DBAPIError) as ended, sessions.write() as session, session.begin():
        end_if_stalled(session, 1000)
        session.execute(text("SELECT 1"))
        time.sleep(1.5)  # the worker, paused
        session.execute(text("SELECT 1"))
    assert is_transient(ended.value)  # the woken worker's commit is tried again, and fenced


def test_cells_that_arrive_after_the_chunk_was_taken_over_are_not_written(
    engine_client: SGPClient, sessions: SessionFactory
) -> None:
    """Its calls in flight when the fence was found finish later: their cells came in a
    later commit, which no longer checked the lease, and overwrote the new owner's."""
    evaluation_id, items = running(engine_client, sessions)
    retaken = ChunkLease(f"retaken-{uuid.uuid4()}", "token-1")
    chunk_row(sessions, retaken.workflow_id, "token-2")

    async def main() -> bool:
        writer = CellWriter(sessions, evaluation_id, 1, account_id="a", lease=retaken)
        async with writer:
            await writer.add(cell(evaluation_id, items[0], "first"))
            assert writer.taken
            await writer.add(cell(evaluation_id, items[1], "in flight at the fence"))
        return writer.taken

    assert asyncio.run(main())
    assert stored(sessions, evaluation_id) == {}
