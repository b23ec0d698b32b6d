"""The group commit's write process (yardstick.db.write_process), driven directly: results and
errors cross intact, work that does not pickle fails alone, the index loops hear of the rows
queued there, a write process that dies fails only what it held and is started again, and
closing it ends it."""

import asyncio
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from tests.db import write_process_work as work
from tests.fixtures.databases import migrated_sessions
from tests.fixtures.processes import alive
from yardstick.db.checkpointer import BACKSTOP_PAGES
from yardstick.db.session import SessionFactory
from yardstick.db.write_process import WriteProcess
from yardstick.errors import AppError, Conflict, NotFound, Unavailable
from yardstick.span import text_index
from yardstick.span.records import SpanWrite
from yardstick.span.route_writes import write_batch
from yardstick.span.service import span_service

ACCOUNT = "write-process-a"
START = datetime(2026, 12, 5, 9, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sessions("sqlite", tmp_path, (ACCOUNT,)) as factory:
        yield factory


def _url(sessions: SessionFactory) -> str:
    return str(sessions.engine.url)


def _process(sessions: SessionFactory) -> WriteProcess:
    return WriteProcess(_url(sessions), log_format="text", worker="test")


def _batch(prefix: str, count: int = 3, *, upsert: bool = True) -> partial[object]:
    spans = [
        SpanWrite(
            id=f"{prefix}-{i}",
            trace_id=prefix,
            name=prefix,
            start_timestamp=START,
            end_timestamp=START,
            input={"q": prefix},
            output={"a": i},
            metadata={},
            status="SUCCESS",
            type="STANDALONE",
        )
        for i in range(count)
    ]
    batch = span_service.prepare(ACCOUNT, spans, upsert=upsert, locate=lambda i, f: [i, f])
    return partial(write_batch, batch, upsert)


def test_results_and_errors_cross_as_they_were(sessions: SessionFactory) -> None:
    async def scenario() -> None:
        process = _process(sessions)
        await process.start()
        try:
            stored = await process.run(_batch("first"))
            assert [span.id for span in stored.spans(_batch("first").args[0])] == [
                "first-0",
                "first-1",
                "first-2",
            ]
            assert await process.run(work.count_spans) == 3

            with pytest.raises(Conflict, match="already exists") as conflict:
                await process.run(_batch("first", upsert=False))
            assert conflict.value.status_code == 409

            # NotFound's __init__ takes other arguments than its args: rebuilt as it was.
            with pytest.raises(NotFound) as missing:
                await process.run(partial(work.fail, NotFound("span", "x")))
            assert (missing.value.status_code, missing.value.detail) == (404, "span 'x' not found")

            # Not one of ours: it comes with where it was raised.
            with pytest.raises(ValueError, match="boom") as other:
                await process.run(partial(work.fail, ValueError("boom")))
            assert "in the write process" in "".join(other.value.__notes__)
            assert "write_process_work.py" in "".join(other.value.__notes__)

            # A result that does not pickle is an error of its job alone.
            with pytest.raises((AttributeError, TypeError)):
                await process.run(work.unpicklable_result)

            # Work that does not pickle never leaves this process.
            with pytest.raises((AttributeError, TypeError)):
                await process.run(lambda session: None)

            assert await process.run(work.count_spans) == 3  # nothing of the failures stayed
        finally:
            await process.close()

    asyncio.run(scenario())


def test_the_index_loops_here_hear_of_rows_queued_there(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What other tests of this process queued, with no loop to take it, would count too.
    monkeypatch.setattr(text_index.BACKLOG, "rows", 0)
    monkeypatch.setattr(text_index.BACKLOG, "last", 0.0)

    async def scenario() -> None:
        process = _process(sessions)
        await process.start()
        try:
            await process.run(_batch("indexed", 4))
            assert text_index.BACKLOG.rows == 4
            assert text_index.BACKLOG.last > 0
            assert text_index.BACKLOG.writing()  # the drain waits while spans come in
        finally:
            await process.close()

    asyncio.run(scenario())


def test_jobs_sent_together_are_each_answered(sessions: SessionFactory) -> None:
    async def scenario() -> list[object]:
        process = _process(sessions)
        await process.start()
        try:
            return await asyncio.gather(
                *[process.run(_batch(f"together{i}")) for i in range(40)],
                process.run(_batch("together0", upsert=False)),  # a 409 among them
                return_exceptions=True,
            )
        finally:
            await process.close()

    results = asyncio.run(scenario())
    assert all(not isinstance(result, BaseException) for result in results[:40])
    assert isinstance(results[40], Conflict)
    with sessions.read() as session:
        assert work.count_spans(session) == 120


def test_a_write_process_that_dies_fails_what_it_held_and_another_starts(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    started = tmp_path / "started"

    async def scenario() -> None:
        process = _process(sessions)
        await process.start()
        first = process.pid
        assert first is not None
        try:
            held = asyncio.ensure_future(process.run(partial(work.hold, started, 30)))
            while not started.exists():
                await asyncio.sleep(0.02)
            os.kill(first, signal.SIGKILL)
            with pytest.raises(Unavailable) as lost:
                await asyncio.wait_for(held, 10)
            assert lost.value.status_code == 503
            assert lost.value.headers["x-should-retry"] == "true"

            stored = await asyncio.wait_for(process.run(_batch("after")), 60)
            assert len(stored.spans(_batch("after").args[0])) == 3
            assert process.pid not in (None, first)
        finally:
            await process.close()

    asyncio.run(scenario())
    with sessions.read() as session:
        assert work.count_spans(session) == 3


def test_a_write_process_that_cannot_start_again_is_a_503_until_it_can(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        process = _process(sessions)
        await process.start()
        try:
            first = process.pid
            assert first is not None
            os.kill(first, signal.SIGKILL)
            while process.pid == first and alive(first):
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)  # the reading task has seen it go

            with monkeypatch.context() as patched:
                patched.setattr(sys, "executable", "/bin/false")  # exits before it says ready
                with pytest.raises(Unavailable, match="could not start"):
                    await process.run(_batch("refused"))
            stored = await process.run(_batch("later"))
            assert len(stored.spans(_batch("later").args[0])) == 3
        finally:
            await process.close()

    asyncio.run(scenario())


def test_closing_writes_what_was_sent_then_ends_the_process(sessions: SessionFactory) -> None:
    async def scenario() -> int:
        process = _process(sessions)
        await process.start()
        pid = process.pid
        assert pid is not None
        pending = [asyncio.ensure_future(process.run(_batch(f"last{i}"))) for i in range(5)]
        await asyncio.sleep(0)  # sent
        await process.close()
        await asyncio.gather(*pending)
        with pytest.raises(Unavailable, match="stopping"):
            await process.run(_batch("too-late"))
        return pid

    pid = asyncio.run(scenario())
    assert not alive(pid)
    with sessions.read() as session:
        assert work.count_spans(session) == 15


def test_the_write_process_checkpoints_its_own_writes(sessions: SessionFactory) -> None:
    """Its commits leave the WAL to a checkpointer of its own (yardstick.db.checkpointer), as
    the API process's do, and closing it copies what it wrote into the database file."""
    path = Path(sessions.engine.url.database or "")

    async def scenario() -> tuple[int, int]:
        process = _process(sessions)
        await process.start()
        pragma = await process.run(work.autocheckpoint)
        size_before = path.stat().st_size
        # 300 pages: a WAL that small is copied by no commit, only by a checkpoint.
        await process.run(partial(work.fill, 300))
        await process.close()
        return pragma, path.stat().st_size - size_before

    # A connection of this process stays open (outside a transaction, which would keep a
    # checkpoint from copying what came after it), so the write process's is not the last to
    # close the database, which would checkpoint it too.
    with sessions.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the migrations' pages
        connection.rollback()
        pragma, grown = asyncio.run(scenario())
    assert pragma == BACKSTOP_PAGES
    assert grown > 250 * 4096


def test_the_write_process_ends_itself_when_the_api_process_is_gone(tmp_path: Path) -> None:
    """Its socket closes, and a watch on its parent's pid backs that up: a `kill -9` of the
    API process leaves no write process behind."""
    with migrated_sessions("sqlite", tmp_path, (ACCOUNT,)) as sessions:
        script = (
            "import asyncio, sys\n"
            "from yardstick.db.write_process import WriteProcess\n"
            "async def main():\n"
            f"    process = WriteProcess({_url(sessions)!r}, log_format='text', worker='t')\n"
            "    await process.start()\n"
            "    print(process.pid, flush=True)\n"
            "    await asyncio.sleep(60)\n"
            "asyncio.run(main())\n"
        )
        parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while alive(child):
            assert time.monotonic() < deadline, "the write process outlived its API process"
            time.sleep(0.05)


def test_app_errors_pickle_as_they_are() -> None:
    error = NotFound("span", "x")
    error.add_note("why")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is NotFound and isinstance(again, AppError)
    assert (again.args, again.detail, again.__notes__) == (error.args, error.detail, ["why"])


def test_prepared_spans_pickle_field_for_field() -> None:
    spans = _batch("pickled", 2).args[0].prepared.values()
    for prepared in spans:
        again = pickle.loads(pickle.dumps(prepared))
        assert again == prepared and again is not prepared
        assert again.span.duration_us == prepared.span.duration_us
