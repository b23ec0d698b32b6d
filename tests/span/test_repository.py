"""SpanRepository's upsert, on the database itself, both backends: what it leaves as stored (a
completed span, a span's trace) it reports, and it neither indexes nor unindexes it. The
service's checks would refuse such writes first; these reach the upsert when a writer of
another trace races the check (PostgreSQL), or without the checks (the run trace queue)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import BACKENDS
from tests.fixtures.databases import migrated_sessions
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.kit.pagination import PageParams
from yardstick.models import Span, SpanMetadataValue
from yardstick.span import metadata_queue, text_index
from yardstick.span.records import SYSTEM_USER_ID, SpanWrite
from yardstick.span.repository import ROWS_A_STATEMENT, span_repository
from yardstick.span.schemas import SpanSearch
from yardstick.span.search import search
from yardstick.span.stored import prepare

ACCOUNT = "repository"
START = datetime(2026, 10, 1, tzinfo=UTC)
PAGE = PageParams(limit=100, starting_after=None, ending_before=None, sort_order="desc")


@pytest.fixture(params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sessions(request.param, tmp_path, (ACCOUNT,)) as factory:
        yield factory


def _span(trace_id: str, word: str, *, done: bool) -> SpanWrite:
    return SpanWrite(
        id="span-1",
        trace_id=trace_id,
        name="call",
        start_timestamp=START,
        end_timestamp=START + timedelta(seconds=1) if done else None,
        input={"question": word},
        metadata={"w": word},
    )


def upsert(sessions: SessionFactory, span: SpanWrite) -> dict[str, str]:
    prepared = prepare(span, account_id=ACCOUNT, user_id=SYSTEM_USER_ID)
    with sessions.write() as session, session.begin():
        connection = session.connection()
        left = span_repository.write(
            connection, [prepared], upsert=True, now=utcnow(), replaced=[span.id]
        )
        if connection.dialect.name == "sqlite":
            text_index.drain(connection)  # indexed now: a wrong write would remove the entry
            metadata_queue.drain(connection)  # the metadata index rows, written behind
    return left


def stored(sessions: SessionFactory) -> tuple[Any, ...]:
    """The span's (trace, metadata, completed), and its rows of the metadata index."""
    with sessions.read() as session:
        span = session.scalars(select(Span)).one()
        rows = session.execute(select(SpanMetadataValue.key, SpanMetadataValue.value)).all()
    return span.trace_id, span.metadata_, span.end_timestamp is not None, [tuple(r) for r in rows]


def found(sessions: SessionFactory, **filters: Any) -> list[str]:
    with sessions.read() as session:
        page = search(
            session, ACCOUNT, SpanSearch(**filters), params=PAGE, from_ts=None, to_ts=None
        )
    return [span.id for span in page.spans]


def test_an_in_progress_write_leaves_a_completed_span_and_its_index_rows(
    sessions: SessionFactory,
) -> None:
    upsert(sessions, _span("trace", "finished", done=True))

    left = upsert(sessions, _span("trace", "started", done=False))

    assert stored(sessions) == ("trace", '{"w":"finished"}', True, [("w", "sfinished")])
    assert found(sessions, search_texts=["finished"]) == ["span-1"]
    assert found(sessions, search_texts=["started"]) == []
    assert left == {"span-1": "trace"}


def test_a_write_leaves_a_span_in_its_trace(sessions: SessionFactory) -> None:
    upsert(sessions, _span("one", "first", done=True))

    left = upsert(sessions, _span("two", "second", done=True))

    assert stored(sessions) == ("one", '{"w":"first"}', True, [("w", "sfirst")])
    assert found(sessions, search_texts=["first"], trace_ids=["one"]) == ["span-1"]
    assert found(sessions, extra_metadata={"w": "second"}) == []
    assert left == {"span-1": "one"}


def test_a_completed_write_replaces_a_span_and_its_index_rows(sessions: SessionFactory) -> None:
    upsert(sessions, _span("trace", "started", done=False))

    assert upsert(sessions, _span("trace", "finished", done=True)) == {}

    assert stored(sessions) == ("trace", '{"w":"finished"}', True, [("w", "sfinished")])
    assert found(sessions, search_texts=["finished"]) == ["span-1"]


def test_a_write_past_one_statements_rows_stores_each_span_once(sessions: SessionFactory) -> None:
    """SQLite writes ROWS_A_STATEMENT spans a statement: a write of two and a bit statements,
    upserting over a completed span (left) and an in-progress one (replaced) in the middle."""
    count = 2 * ROWS_A_STATEMENT + 37

    def write(index: int, *, done: bool, word: str) -> SpanWrite:
        return SpanWrite(
            id=f"span-{index}",
            trace_id=f"trace-{index % 7}",
            name=f"call {index}",
            start_timestamp=START + timedelta(milliseconds=index),
            end_timestamp=START + timedelta(milliseconds=index + 5) if done else None,
            metadata={"w": word},
        )

    kept, replaced = ROWS_A_STATEMENT, ROWS_A_STATEMENT + 1
    for span in (write(kept, done=True, word="kept"), write(replaced, done=False, word="old")):
        upsert_one = prepare(span, account_id=ACCOUNT, user_id=SYSTEM_USER_ID)
        with sessions.write() as session, session.begin():
            span_repository.write(
                session.connection(), [upsert_one], upsert=True, now=utcnow(), replaced=[]
            )

    spans = [write(i, done=i != kept, word="new") for i in range(count)]
    prepared = [prepare(span, account_id=ACCOUNT, user_id=SYSTEM_USER_ID) for span in spans]
    with sessions.write() as session, session.begin():
        connection = session.connection()
        left = span_repository.write(
            connection, prepared, upsert=True, now=utcnow(), replaced=[f"span-{replaced}"]
        )
        if connection.dialect.name == "sqlite":
            text_index.drain(connection)
            metadata_queue.drain(connection)

    assert left == {f"span-{kept}": f"trace-{kept % 7}"}
    with sessions.read() as session:
        rows = session.execute(select(Span.id, Span.name, Span.metadata_)).all()
    assert len(rows) == count
    words = {span_id: metadata for span_id, _, metadata in rows}
    assert words[f"span-{kept}"] == '{"w":"kept"}'
    assert {words[f"span-{i}"] for i in range(count) if i != kept} == {'{"w":"new"}'}
    assert {name for _, name, _ in rows} == {f"call {i}" for i in range(count)}
    with sessions.read() as session:
        page = search(
            session,
            ACCOUNT,
            SpanSearch(extra_metadata={"w": "new"}),
            params=PageParams(
                limit=1000, starting_after=None, ending_before=None, sort_order="desc"
            ),
            from_ts=None,
            to_ts=None,
        )
    assert len(page.spans) == count - 1
    assert found(sessions, extra_metadata={"w": "old"}) == []
