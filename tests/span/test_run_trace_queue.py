"""The run trace queue (yardstick.span.run_trace_queue), on the database itself, both backends:
a traced cell's calls become its item's spans exactly once, reads catch up with the queue
(in read and write sessions, for their own account only), the loop waits while cells are
queued here, and two processes' loops never write a row twice."""

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from tests.conftest import BACKENDS
from tests.fixtures.databases import migrated_sessions
from tests.span.backlogs import fresh_backlog
from yardstick.db.session import SessionFactory
from yardstick.models import RunTraceEntry, Span
from yardstick.span import run_trace_queue
from yardstick.span.calls import CallRecord
from yardstick.span.run_traces import TracedCell, call_span_id, root_span_id

ACCOUNT, OTHER = "traces-a", "traces-b"
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sessions(request.param, tmp_path, (ACCOUNT, OTHER)) as factory:
        yield factory


def _call(at: datetime, content: str, *, error: bool = False) -> CallRecord:
    return CallRecord(
        vendor="openai",
        path="/chat/completions",
        request={"model": "gpt-x", "messages": [{"role": "user", "content": content}]},
        started_at=at,
        ended_at=at + timedelta(milliseconds=50),
        attempts=2 if error else 1,
        latency_ms=50.0,
        response=None
        if error
        else {
            "choices": [{"message": {"content": f"echo: {content}"}}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3},
        },
        error_type="UpstreamRejected" if error else None,
        error_message="no such thing" if error else None,
    )


def _cell(item: int, alias: str, *, offset: float = 0, error: bool = False) -> TracedCell:
    started = START + timedelta(seconds=item)
    at = started + timedelta(seconds=offset)
    return TracedCell(
        evaluation_id="eval-1",
        item_id=f"0190f0aa-0000-7000-8000-00000000000{item}",
        alias=alias,
        run=1,
        item_started_at=started,
        finished_at=at + timedelta(milliseconds=60),
        calls=[_call(at, f"q{item} {alias}", error=error)],
    )


def enqueue(sessions: SessionFactory, account: str, *cells: TracedCell) -> None:
    """One commit's cells: one row."""
    with sessions.write() as session, session.begin():
        run_trace_queue.enqueue(session.connection(), account, cells)


def counts(sessions: SessionFactory, account: str) -> tuple[int, int]:
    """(queued rows, spans) of the account."""
    with sessions.read() as session:
        queued = session.scalar(select(func.count()).where(RunTraceEntry.account_id == account))
        spans = session.scalar(select(func.count()).where(Span.account_id == account))
    return int(queued or 0), int(spans or 0)


def take_all(sessions: SessionFactory) -> int:
    with sessions.write() as session, session.begin():
        return run_trace_queue.write_queued(session.connection(), 1000)


def test_queued_cells_become_their_items_spans_once(sessions: SessionFactory) -> None:
    answer, judge = _cell(1, "answer"), _cell(1, "judge", offset=1, error=True)
    enqueue(sessions, ACCOUNT, answer, _cell(2, "answer"))
    enqueue(sessions, ACCOUNT, judge)  # a later commit
    assert counts(sessions, ACCOUNT) == (2, 0)

    assert take_all(sessions) == 3  # cells
    assert counts(sessions, ACCOUNT) == (0, 5)  # three calls, two roots
    assert take_all(sessions) == 0  # each row became its spans once

    spans = stored_spans(sessions, answer.item_id)
    root = spans[root_span_id(answer.item_id)]
    assert root.parent_id is None and root.type == "TRACER"
    # The root spans the item's cells: from its first cell's start to its last cell's end.
    assert (root.start_timestamp, root.end_timestamp) == (
        answer.item_started_at,
        judge.finished_at,
    )
    calls = sorted((s for s in spans.values() if s.parent_id), key=lambda s: s.name)
    assert [s.name for s in calls] == [
        "answer: openai /chat/completions",
        "judge: openai /chat/completions",
    ]
    assert all(s.parent_id == root.id and s.trace_id == answer.item_id for s in calls)
    assert calls[0].status == "SUCCESS" and calls[1].status == "ERROR"
    assert (calls[0].input_tokens, calls[0].output_tokens) == (7, 3)
    assert "q1 answer" in calls[0].input and "echo: q1 answer" in calls[0].output
    assert "UpstreamRejected" in calls[1].output
    assert calls[0].start_timestamp == answer.calls[0].started_at


def test_a_later_run_s_root_still_encloses_the_calls_before_it(sessions: SessionFactory) -> None:
    # Run 1 answers; later a task is added (run 2) and its cell writes the item's root again.
    first = _cell(1, "answer")
    later = replace(
        _cell(1, "judge", offset=30),
        run=2,
        item_started_at=START + timedelta(seconds=31),
    )
    enqueue(sessions, ACCOUNT, first)
    take_all(sessions)
    enqueue(sessions, ACCOUNT, later)
    take_all(sessions)

    spans = stored_spans(sessions, first.item_id)
    root = spans[root_span_id(first.item_id)]
    # Once it spanned run 2 alone: run 1's call started 30 s before its parent.
    assert (root.start_timestamp, root.end_timestamp) == (
        first.item_started_at,
        later.finished_at,
    )
    for call in (s for s in spans.values() if s.parent_id):
        assert root.start_timestamp <= call.start_timestamp
        assert call.end_timestamp is not None and call.end_timestamp <= later.finished_at


def test_cells_queued_twice_become_their_spans_once(sessions: SessionFactory) -> None:
    # A group commit whose COMMIT lost its answer is run again: its cells are upserts, and its
    # queue row is written a second time.
    cells = (_cell(1, "answer"), _cell(1, "judge", offset=1), _cell(2, "answer"))
    enqueue(sessions, ACCOUNT, *cells)
    enqueue(sessions, ACCOUNT, *cells)

    assert take_all(sessions) == 6
    assert counts(sessions, ACCOUNT) == (0, 5)  # three calls and two roots, once each
    ids = {call_span_id(c.item_id, c.alias, c.run, 0, c.calls[0]) for c in cells}
    assert len(ids) == 3 and ids <= set(stored_spans(sessions, cells[0].item_id)) | set(
        stored_spans(sessions, cells[2].item_id)
    )
    # Time-ordered, as the spans' indexes want: the call's start leads the id.
    assert sorted(ids) == [
        call_span_id(c.item_id, c.alias, c.run, 0, c.calls[0])
        for c in sorted(cells, key=lambda c: c.calls[0].started_at)
    ]


def test_credentials_in_calls_are_stored_redacted(sessions: SessionFactory) -> None:
    """A prompt's key after a newline (`\\n` in the JSON text) was once stored as sent."""
    cell = replace(_cell(1, "answer"), calls=[_call(START, "use\nsk-proj-" + "A" * 30)])
    enqueue(sessions, ACCOUNT, cell)
    take_all(sessions)

    (call,) = (s for s in stored_spans(sessions, cell.item_id).values() if s.parent_id)
    assert orjson.loads(call.input)["messages"][0]["content"] == "use\n[REDACTED:credential]"


def stored_spans(sessions: SessionFactory, trace_id: str) -> dict[str, Span]:
    with sessions.read() as session:
        rows = session.scalars(select(Span).where(Span.trace_id == trace_id)).all()
        return {span.id: span for span in rows}


def test_a_batch_takes_rows_until_it_holds_the_limit_in_cells(sessions: SessionFactory) -> None:
    enqueue(sessions, ACCOUNT, *(_cell(i, "answer") for i in range(3)))
    enqueue(sessions, ACCOUNT, _cell(3, "answer"))
    enqueue(sessions, ACCOUNT, *(_cell(i, "judge") for i in range(4, 6)))
    with sessions.write() as session, session.begin():
        # 3 cells are under 4: the second row is taken too; the third is left.
        assert run_trace_queue.write_queued(session.connection(), 4) == 4
    assert counts(sessions, ACCOUNT)[0] == 1
    with sessions.write() as session, session.begin():
        assert run_trace_queue.write_queued(session.connection(), 4) == 2  # the last: fewer
        assert run_trace_queue.write_queued(session.connection(), 4) == 0


def test_a_read_session_catches_up_and_then_sees_the_spans(sessions: SessionFactory) -> None:
    enqueue(sessions, ACCOUNT, _cell(1, "answer"))
    enqueue(sessions, OTHER, _cell(2, "answer"))
    with sessions.read() as session:
        # The read has begun before the catch-up (on SQLite: its snapshot is taken).
        assert session.scalar(select(func.count()).select_from(Span)) == 0
        run_trace_queue.catch_up(session, ACCOUNT)
        mine = session.scalar(select(func.count()).where(Span.account_id == ACCOUNT))
    assert mine == 2
    # Only the reading account's rows were written.
    assert counts(sessions, ACCOUNT) == (0, 2)
    assert counts(sessions, OTHER) == (1, 0)


def test_a_write_session_catches_up_in_its_own_transaction(sessions: SessionFactory) -> None:
    for i in range(3):
        enqueue(sessions, ACCOUNT, _cell(i, "answer"))
    with sessions.write() as session, session.begin():
        run_trace_queue.catch_up(session, ACCOUNT)
        assert session.scalar(select(func.count()).select_from(Span)) == 6
        session.rollback()  # the request failed: the rows stay queued
    assert counts(sessions, ACCOUNT) == (3, 0)


def test_an_unreadable_row_is_dropped_not_left_to_fail_every_read(
    sessions: SessionFactory,
) -> None:
    enqueue(sessions, ACCOUNT, _cell(1, "answer"))
    with sessions.write() as session, session.begin():
        session.add(
            RunTraceEntry(account_id=ACCOUNT, cell_count=1, cells=b'[{"item_id": "no calls"}]')
        )
    enqueue(sessions, ACCOUNT, _cell(2, "answer"))
    with sessions.read() as session:
        run_trace_queue.catch_up(session, ACCOUNT)
    assert counts(sessions, ACCOUNT) == (0, 4)  # the readable rows' spans, the other dropped


def test_catch_up_with_nothing_queued_writes_nothing(sessions: SessionFactory) -> None:
    with sessions.read() as session:
        run_trace_queue.catch_up(session, ACCOUNT)
    assert counts(sessions, ACCOUNT) == (0, 0)


def test_the_loop_waits_while_cells_are_queued_here(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def queue_then_wait() -> tuple[list[int], float]:
        loop = asyncio.create_task(run_trace_queue.run_trace_loop(sessions))
        waiting = []
        try:
            for i in range(8):
                enqueue(sessions, ACCOUNT, _cell(i, "answer"))
                await asyncio.sleep(0.05)
                waiting.append(counts(sessions, ACCOUNT)[0])
            started = asyncio.get_running_loop().time()
            while counts(sessions, ACCOUNT)[0]:
                await asyncio.sleep(0.02)
            return waiting, asyncio.get_running_loop().time() - started
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    fresh_backlog(monkeypatch, run_trace_queue, check_seconds=0.02, quiet_seconds=1.0)
    waiting, waited = asyncio.run(queue_then_wait())
    assert waiting == list(range(1, 9))  # nothing written while cells were queued
    assert 0.5 < waited < 10  # then written once quiet
    assert counts(sessions, ACCOUNT) == (0, 16)


def test_concurrent_takers_write_each_row_once(sessions: SessionFactory) -> None:
    for commit in range(100):
        enqueue(
            sessions,
            ACCOUNT,
            *(_cell(i % 10, f"task{i}") for i in range(4 * commit, 4 * commit + 4)),
        )
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def taker() -> None:
        barrier.wait()
        try:
            while True:
                with sessions.write() as session, session.begin():
                    count = run_trace_queue.write_queued(session.connection(), 5)
                if not count:
                    return
                taken.append(count)
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            errors.append(error)

    threads = [threading.Thread(target=taker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(taken) == 400  # cells
    # 400 call spans and one root per item: none twice (ids are unique), none lost.
    assert counts(sessions, ACCOUNT) == (0, 410)
