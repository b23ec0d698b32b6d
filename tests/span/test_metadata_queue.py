"""SQLite's metadata index written behind the spans (yardstick.span.metadata_queue), on the
database itself: a metadata search is exact whether the spans are queued or indexed, writes its
own account's queued rows only, reads in a snapshot where the index is exact, and a replaced or
deleted span leaves no stale row behind."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from alembic.config import Config

from tests.fixtures.databases import migrated_sessions
from tests.span.backlogs import fresh_backlog
from yardstick.auth.service import auth_service
from yardstick.db.engine import WRITE_OPTION, create_db_engine
from yardstick.db.migrate import alembic_config, migrate
from yardstick.db.session import SessionFactory
from yardstick.kit.pagination import PageParams
from yardstick.span import metadata_queue, retention
from yardstick.span.records import SpanWrite
from yardstick.span.run_trace_queue import write_run_spans
from yardstick.span.schemas import SpanSearch
from yardstick.span.search import search

ACCOUNTS = ("meta-a", "meta-b")
START = datetime(2026, 11, 1, tzinfo=UTC)
PAGE = PageParams(limit=100, starting_after=None, ending_before=None, sort_order="desc")


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sessions("sqlite", tmp_path, ACCOUNTS) as factory:
        yield factory


def _span(i: int, **metadata: Any) -> SpanWrite:
    start = START + timedelta(seconds=i)
    return SpanWrite(
        id=f"span-{i}",
        trace_id=f"trace-{i}",
        name="call",
        start_timestamp=start,
        end_timestamp=start + timedelta(milliseconds=5),
        metadata=metadata,
    )


def write(sessions: SessionFactory, *spans: SpanWrite, account: str = ACCOUNTS[0]) -> None:
    with sessions.write() as session, session.begin():
        write_run_spans(session.connection(), account, spans)


def found(sessions: SessionFactory, account: str = ACCOUNTS[0], **metadata: Any) -> list[str]:
    with sessions.read() as session:
        page = search(
            session,
            account,
            SpanSearch(extra_metadata=metadata),
            params=PAGE,
            from_ts=None,
            to_ts=None,
        )
    return sorted(span.id for span in page.spans)


def rows(sessions: SessionFactory, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sessions.read() as session:
        return [tuple(row) for row in session.connection().exec_driver_sql(sql, params)]


def queued(sessions: SessionFactory) -> list[tuple[Any, ...]]:
    return rows(
        sessions,
        "SELECT s.id, q.account_id FROM span_metadata_queue q JOIN spans s ON s.seq = q.seq ORDER BY q.seq",
    )


def index_rows(sessions: SessionFactory) -> list[tuple[Any, ...]]:
    return rows(
        sessions,
        "SELECT span_id, key, value FROM span_metadata_values ORDER BY span_id, key, value",
    )


def test_a_metadata_search_finds_queued_spans_and_indexes_them(sessions: SessionFactory) -> None:
    write(sessions, _span(0, env="prod", tags=["a", "b"]), _span(1, env="dev", n=1))
    # Written, not indexed: both wait in the queue, and the index has no row of them.
    assert queued(sessions) == [("span-0", "meta-a"), ("span-1", "meta-a")]
    assert index_rows(sessions) == []

    assert found(sessions, env="prod") == ["span-0"]
    assert found(sessions, tags="b") == ["span-0"]
    assert found(sessions, n=1.0) == ["span-1"]  # equal numbers alike, as when indexed
    assert queued(sessions) == []
    assert index_rows(sessions) == [
        ("span-0", "env", "sprod"),
        ("span-0", "tags", "sa"),
        ("span-0", "tags", "sb"),
        ("span-1", "env", "sdev"),
        ("span-1", "n", "n1"),
    ]


def test_a_search_catches_up_its_own_account_only(sessions: SessionFactory) -> None:
    write(sessions, _span(0, env="prod"), account="meta-a")
    write(sessions, _span(1, env="prod"), account="meta-b")

    assert found(sessions, "meta-a", env="prod") == ["span-0"]
    assert queued(sessions) == [("span-1", "meta-b")]  # the other account's wait for the loop
    assert found(sessions, "meta-b", env="prod") == ["span-1"]
    assert queued(sessions) == []


def test_a_search_without_metadata_filters_leaves_the_queue(sessions: SessionFactory) -> None:
    write(sessions, _span(0, env="prod"))
    with sessions.read() as session:
        page = search(session, ACCOUNTS[0], SpanSearch(), params=PAGE, from_ts=None, to_ts=None)
    assert [span.id for span in page.spans] == ["span-0"]
    assert queued(sessions) == [("span-0", "meta-a")]


def test_a_replaced_span_keeps_no_stale_row(sessions: SessionFactory) -> None:
    write(sessions, _span(0, env="prod", stage="old"))
    assert found(sessions, stage="old") == ["span-0"]  # indexed now

    write(sessions, _span(0, env="prod", stage="new"))
    # Its old rows are still in the index, but it is queued: the search rewrites them first.
    assert ("span-0", "stage", "sold") in index_rows(sessions)
    assert found(sessions, stage="old") == []
    assert found(sessions, stage="new") == ["span-0"]
    assert index_rows(sessions) == [("span-0", "env", "sprod"), ("span-0", "stage", "snew")]


def test_a_search_in_a_write_session_indexes_in_its_transaction(
    sessions: SessionFactory,
) -> None:
    write(sessions, _span(0, env="prod"))
    with sessions.write() as session, session.begin():
        page = search(
            session,
            ACCOUNTS[0],
            SpanSearch(extra_metadata={"env": "prod"}),
            params=PAGE,
            from_ts=None,
            to_ts=None,
        )
        assert [span.id for span in page.spans] == ["span-0"]
    assert queued(sessions) == []


def test_a_deleted_queued_span_is_only_taken_out(sessions: SessionFactory) -> None:
    write(sessions, _span(0, env="prod"), _span(1, env="prod"))
    with sessions.write() as session, session.begin():
        # span-0 started before the cutoff; span-1 after it.
        retention.sweep_batch(session.connection(), ACCOUNTS[0], START + timedelta(seconds=1))
    assert [row[0] for row in rows(sessions, "SELECT seq FROM span_metadata_queue")] != []

    assert found(sessions, env="prod") == ["span-1"]
    assert rows(sessions, "SELECT count(*) FROM span_metadata_queue") == [(0,)]
    assert index_rows(sessions) == [("span-1", "env", "sprod")]


def test_a_row_queued_again_belongs_to_the_account_that_queued_it(
    sessions: SessionFactory,
) -> None:
    """SQLite may give a deleted span's `seq` to a new span: the queue's row then names the
    new span's account, or that account's searches would not catch it up."""
    with sessions.write() as session, session.begin():
        connection = session.connection()
        metadata_queue.queue(connection, "meta-a", [7])
        metadata_queue.queue(connection, "meta-b", [7])
    assert rows(sessions, "SELECT seq, account_id FROM span_metadata_queue") == [(7, "meta-b")]


def test_the_loop_indexes_the_queue(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_backlog(monkeypatch, metadata_queue, check_seconds=0.02, quiet_seconds=0.05)
    write(sessions, *(_span(i, env="prod") for i in range(3)))

    async def until_indexed() -> None:
        loop = asyncio.create_task(metadata_queue.metadata_index_loop(sessions))
        try:
            for _ in range(200):
                if not queued(sessions):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the loop never indexed the queue")
        finally:
            loop.cancel()

    asyncio.run(until_indexed())
    assert len(index_rows(sessions)) == 3


def test_a_downgrade_indexes_what_is_queued_first(tmp_path: Path) -> None:
    """The revision before the queue's writes index rows with the spans: what is queued at the
    downgrade is indexed then, or its spans could never be found by their metadata."""
    url = f"sqlite:///{tmp_path / 'spans.db'}"
    engine = create_db_engine(url)
    migrate(engine)
    factory = SessionFactory(engine)
    with factory.write() as session, session.begin():
        auth_service.create_account(session, account_id=ACCOUNTS[0])
    write(factory, _span(0, env="prod"))
    config: Config = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0030_master_key_check")
        connection.commit()
    try:
        assert index_rows(factory) == [("span-0", "env", "sprod")]
        tables = rows(factory, "SELECT name FROM sqlite_master WHERE name = 'span_metadata_queue'")
        assert tables == []
    finally:
        engine.dispose()


def test_a_stored_metadata_that_is_no_object_has_no_rows(sessions: SessionFactory) -> None:
    """Every write stores an object; a row changed by hand must not stop the queue."""
    write(sessions, _span(0, env="prod"), _span(1, env="prod"))
    with sessions.write() as session, session.begin():
        session.connection().exec_driver_sql(
            "UPDATE spans SET metadata = 'null' WHERE id = 'span-0'"
        )
    assert found(sessions, env="prod") == ["span-1"]
    assert queued(sessions) == []


def test_a_snapshot_with_queued_spans_is_read_in_a_write_transaction(
    sessions: SessionFactory,
) -> None:
    """Its queued spans' rows are written in that transaction and the search reads there, so
    no write can come between the two (a span replaced in between was found by its old value)."""
    write(sessions, _span(0, env="prod"))
    with (
        sessions.read() as session,
        metadata_queue.exact(session, ACCOUNTS[0]) as exact_session,
    ):
        assert exact_session is not session
        connection = exact_session.connection()
        assert connection.get_execution_options()[WRITE_OPTION]
        left = connection.exec_driver_sql("SELECT count(*) FROM span_metadata_queue")
        assert left.scalar() == 0
    assert index_rows(sessions) == [("span-0", "env", "sprod")]


def test_a_snapshot_without_queued_spans_is_read_as_it_is(sessions: SessionFactory) -> None:
    """Every span of that snapshot has its exact rows: a span replaced after it began is
    answered as the snapshot holds it, by its old value and with its old metadata."""
    write(sessions, _span(0, env="prod"))
    assert found(sessions, env="prod") == ["span-0"]  # indexed now
    with sessions.read() as session:
        session.connection().exec_driver_sql("SELECT count(*) FROM spans").scalar()  # its snapshot
        write(sessions, _span(0, env="dev"))  # queued, its old rows still in the index
        with metadata_queue.exact(session, ACCOUNTS[0]) as exact_session:
            assert exact_session is session
        for env, expected in (("prod", ["prod"]), ("dev", [])):
            page = search(
                session,
                ACCOUNTS[0],
                SpanSearch(extra_metadata={"env": env}),
                params=PAGE,
                from_ts=None,
                to_ts=None,
            )
            assert [orjson.loads(span.metadata)["env"] for span in page.spans] == expected
    assert found(sessions, env="prod") == []
    assert found(sessions, env="dev") == ["span-0"]
