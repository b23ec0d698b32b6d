"""Requests written in one transaction (yardstick.db.group_commit): each commits or rolls back
alone, with its commit hooks, and none is lost when the shared commit fails."""

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tests.conftest import BACKENDS
from tests.fixtures.databases import migrated_sessions
from yardstick.db import group_write
from yardstick.db.group_commit import GroupCommit
from yardstick.db.session import COMMIT_HOOKS, SessionFactory
from yardstick.errors import Busy, Conflict
from yardstick.kit.idempotency import BodyDigest, Claim
from yardstick.models import IdempotencyKey, Span
from yardstick.span.records import SpanWrite
from yardstick.span.service import span_service
from yardstick.span.stored import StoredSpan

ACCOUNT = "group-a"
START = datetime(2026, 12, 3, 9, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sessions(request.param, tmp_path, (ACCOUNT,)) as factory:
        yield factory


def _shared(sessions: SessionFactory) -> GroupCommit:
    """A GroupCommit whose writer thread shares transactions, on either backend (the server
    shares them on SQLite only: see the last test)."""
    group = GroupCommit(sessions)
    group.shared = True
    return group


def _request(hooks: list[Any] | None = None) -> Request:
    request = Request({"type": "http", "app": None, "state": {}})
    if hooks is not None:
        setattr(request.state, COMMIT_HOOKS, hooks)
    return request


def _spans(name: str, count: int = 3) -> list[SpanWrite]:
    return [
        SpanWrite(
            id=f"{name}-{i}",
            trace_id=f"trace-{name}",
            name=name,
            start_timestamp=START,
            end_timestamp=START + timedelta(seconds=1),
            parent_id=None if i == 0 else f"{name}-0",
        )
        for i in range(count)
    ]


def _writes(spans: list[SpanWrite], *, upsert: bool = True) -> Callable[[Session], Any]:
    def work(session: Session) -> list[StoredSpan]:
        return span_service.write(session, ACCOUNT, spans, upsert=upsert)

    return work


def _held_write(
    name: str,
) -> tuple[Callable[[Session], list[StoredSpan]], threading.Event, threading.Event]:
    """Work that says it started (`holding`), waits for `release`, then writes spans `name`."""
    holding, release = threading.Event(), threading.Event()

    def work(session: Session) -> list[StoredSpan]:
        holding.set()
        release.wait(10)
        return span_service.write(session, ACCOUNT, _spans(name), upsert=True)

    return work, holding, release


def _stored_names(sessions: SessionFactory) -> dict[str, int]:
    with sessions.read() as session:
        rows = session.execute(
            select(Span.name, func.count()).where(Span.account_id == ACCOUNT).group_by(Span.name)
        )
        return {name: count for name, count in rows}


def _count_commits(sessions: SessionFactory) -> list[int]:
    commits = [0]

    @event.listens_for(sessions.engine, "commit")
    def _commit(_connection: Any) -> None:
        commits[0] += 1

    return commits


async def _queued_behind_a_held_writer(
    group: GroupCommit, works: list[tuple[Request, Callable[[Session], Any]]]
) -> list[Any]:
    """Run `works` while the writer is busy with another job, so they queue and are written as
    one group; their results or errors, in order."""
    holding, release = threading.Event(), threading.Event()

    def hold(_session: Session) -> None:
        holding.set()
        release.wait(10)

    first = asyncio.ensure_future(group.run(_request(), hold))
    await asyncio.to_thread(holding.wait, 10)
    tasks = [asyncio.ensure_future(group.run(request, work)) for request, work in works]
    await asyncio.sleep(0.05)  # all of them in the queue
    release.set()
    await first
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_each_request_of_a_group_commits_or_rolls_back_alone(sessions: SessionFactory) -> None:
    group = _shared(sessions)
    asyncio.run(group.run(_request(), _writes(_spans("taken", 1))))
    commits = _count_commits(sessions)

    def written_then_failed(session: Session) -> None:
        span_service.write(session, ACCOUNT, _spans("failed"), upsert=True)
        raise ValueError("after writing")

    works: list[tuple[Request, Callable[[Session], Any]]] = [
        (_request(), _writes(_spans("one"))),
        (_request(), written_then_failed),
        (_request(), _writes(_spans("two"))),
        (_request(), _writes(_spans("taken", 1), upsert=False)),  # insert-only: 409
        (_request(), _writes(_spans("three"))),
    ]
    try:
        results = asyncio.run(_queued_behind_a_held_writer(group, works))
    finally:
        asyncio.run(group.close())

    assert [span.name for span in results[0]] == ["one"] * 3
    assert isinstance(results[1], ValueError)
    assert [span.id for span in results[2]] == ["two-0", "two-1", "two-2"]
    assert isinstance(results[3], Conflict)
    assert "already exists" in str(results[3])
    assert len(results[4]) == 3
    assert _stored_names(sessions) == {"taken": 1, "one": 3, "two": 3, "three": 3}
    assert commits[0] == 1  # the group's (the held job wrote nothing)


class _CommitFails(SessionFactory):
    """Its `nth` write session's commit fails, as a full disk would make it."""

    def __init__(self, sessions: SessionFactory, nth: int) -> None:
        super().__init__(sessions.engine)
        self.nth = nth
        self.made = 0

    def write(self) -> Session:
        session = super().write()
        self.made += 1
        if self.made == self.nth:

            def fail() -> None:
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

            session.commit = fail  # type: ignore[method-assign]
        return session


def test_a_failed_group_commit_writes_each_request_alone(sessions: SessionFactory) -> None:
    # Session 1 is the held job's, 2 the group's: its commit fails.
    group = _shared(_CommitFails(sessions, nth=2))
    works: list[tuple[Request, Callable[[Session], Any]]] = [
        (_request(), _writes(_spans(f"job{i}"))) for i in range(4)
    ]
    try:
        results = asyncio.run(_queued_behind_a_held_writer(group, works))
    finally:
        asyncio.run(group.close())
    assert [len(result) for result in results] == [3] * 4
    assert _stored_names(sessions) == {f"job{i}": 3 for i in range(4)}


def test_work_whose_orm_rows_fail_to_flush_fails_alone(sessions: SessionFactory) -> None:
    """Work without hooks runs in a plain SQL savepoint; rows it leaves to the ORM are flushed
    inside it, and a flush that fails spoils the session: the group's commit fails and every
    request is written again alone, so only that work's request gets the error."""
    with sessions.write() as session, session.begin():
        session.add(_key_row("taken"))

    def duplicate_key(session: Session) -> None:
        session.add(_key_row("taken"))

    works: list[tuple[Request, Callable[[Session], Any]]] = [
        (_request(), _writes(_spans("before"))),
        (_request(), duplicate_key),
        (_request(), _writes(_spans("after"))),
    ]
    group = _shared(sessions)
    try:
        results = asyncio.run(_queued_behind_a_held_writer(group, works))
    finally:
        asyncio.run(group.close())
    assert [len(results[0]), len(results[2])] == [3, 3]
    assert isinstance(results[1], IntegrityError)
    assert _stored_names(sessions) == {"before": 3, "after": 3}
    assert _keys(sessions) == {"taken"}


def _key_row(key: str) -> IdempotencyKey:
    return IdempotencyKey(account_id=ACCOUNT, key=key, request_hash="h", created_at=START)


class _RowHook:
    """A commit hook that writes an idempotency key row, as an Idempotency-Key's claim does."""

    def __init__(self, key: str) -> None:
        self.key = key

    def before_commit(self, session: Session) -> None:
        session.add(_key_row(self.key))

    def on_integrity_error(self, error: Exception) -> None:
        return None


def _keys(sessions: SessionFactory) -> set[str]:
    with sessions.read() as session:
        return set(session.scalars(select(IdempotencyKey.key)))


def test_a_request_s_commit_hooks_commit_exactly_when_its_work_does(
    sessions: SessionFactory,
) -> None:
    def failing(_session: Session) -> None:
        raise Conflict("no")

    group = _shared(sessions)
    works: list[tuple[Request, Callable[[Session], Any]]] = [
        (_request([_RowHook("kept")]), _writes(_spans("hooked"))),
        (_request([_RowHook("dropped")]), failing),
    ]
    try:
        results = asyncio.run(_queued_behind_a_held_writer(group, works))
    finally:
        asyncio.run(group.close())
    assert isinstance(results[0], list) and isinstance(results[1], Conflict)
    assert _keys(sessions) == {"kept"}


def test_two_requests_of_a_group_with_one_idempotency_key_one_is_told_to_retry(
    sessions: SessionFactory,
) -> None:
    def claim() -> Claim:
        digest = BodyDigest({"method": "PUT", "path": "/v5/spans/batch", "headers": []})
        return Claim(account_id=ACCOUNT, key="same-key", digest=digest)

    first, second = claim(), claim()
    group = _shared(sessions)
    works: list[tuple[Request, Callable[[Session], Any]]] = [
        (_request([first]), _writes(_spans("first"))),
        (_request([second]), _writes(_spans("second"))),
    ]
    try:
        results = asyncio.run(_queued_behind_a_held_writer(group, works))
    finally:
        asyncio.run(group.close())
    assert isinstance(results[0], list)
    assert isinstance(results[1], Busy)
    assert "Idempotency-Key" in str(results[1])
    assert first.claimed and not second.claimed
    assert _stored_names(sessions) == {"first": 3}  # the second's spans rolled back with it
    assert _keys(sessions) == {"same-key"}


def test_a_request_whose_client_left_is_still_written_and_the_writer_goes_on(
    sessions: SessionFactory,
) -> None:
    group = _shared(sessions)
    hold, holding, release = _held_write("left")

    async def scenario() -> list[StoredSpan]:
        left = asyncio.ensure_future(group.run(_request(), hold))
        await asyncio.to_thread(holding.wait, 10)
        left.cancel()
        release.set()
        return await group.run(_request(), _writes(_spans("after")))

    try:
        after = asyncio.run(scenario())
    finally:
        asyncio.run(group.close())
    assert len(after) == 3
    assert _stored_names(sessions) == {"left": 3, "after": 3}


def test_close_writes_what_is_queued_then_stops_the_thread(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_write, "MOST", 2)  # the queue outlasts a group
    group = _shared(sessions)

    async def scenario() -> list[Any]:
        tasks = [
            asyncio.ensure_future(group.run(_request(), _writes(_spans(f"q{i}")))) for i in range(5)
        ]
        await asyncio.sleep(0)  # queued
        await group.close()
        return await asyncio.gather(*tasks)

    results = asyncio.run(scenario())
    assert [len(result) for result in results] == [3] * 5
    assert group._thread is None
    assert _stored_names(sessions) == {f"q{i}": 3 for i in range(5)}


def test_on_postgresql_each_request_writes_alone_in_the_thread_pool(
    sessions: SessionFactory,
) -> None:
    group = GroupCommit(sessions)
    assert group.shared is (sessions.engine.dialect.name == "sqlite")
    group.shared = False

    def failing(session: Session) -> None:
        span_service.write(session, ACCOUNT, _spans("failed"), upsert=True)
        raise Conflict("no")

    async def scenario() -> list[Any]:
        return await asyncio.gather(
            group.run(_request([_RowHook("alone")]), _writes(_spans("alone"))),
            group.run(_request([_RowHook("failed")]), failing),
            return_exceptions=True,
        )

    results = asyncio.run(scenario())
    assert len(results[0]) == 3 and isinstance(results[1], Conflict)
    assert group._thread is None
    assert _stored_names(sessions) == {"alone": 3}
    assert _keys(sessions) == {"alone"}


def test_a_request_whose_event_loop_closed_does_not_stop_the_writer(
    sessions: SessionFactory,
) -> None:
    group = _shared(sessions)
    hold, holding, release = _held_write("orphan")

    async def start_then_leave() -> None:
        waiting = asyncio.ensure_future(group.run(_request(), hold))
        await asyncio.to_thread(holding.wait, 10)
        waiting.cancel()
        await asyncio.sleep(0)

    gone = asyncio.new_event_loop()
    gone.run_until_complete(start_then_leave())
    gone.close()  # the job's loop is gone before the writer settles it
    release.set()
    try:
        after = asyncio.run(asyncio.wait_for(group.run(_request(), _writes(_spans("next"))), 10))
    finally:
        asyncio.run(group.close())
    assert len(after) == 3
    assert _stored_names(sessions) == {"orphan": 3, "next": 3}
