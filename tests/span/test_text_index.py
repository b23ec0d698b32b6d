"""SQLite's text index filled behind the writes (yardstick.span.text_index), on the database
itself: a span is found by its text whether it is still queued or already indexed, a changed
document replaces its entry (or its queued row) without harm to the FTS5 table, and deleting
spans takes them out of both."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.span.backlogs import fresh_backlog
from yardstick.auth.service import auth_service
from yardstick.db.engine import create_db_engine
from yardstick.db.migrate import migrate
from yardstick.db.session import SessionFactory
from yardstick.kit.pagination import PageParams
from yardstick.span import retention, search_plan, text_index
from yardstick.span.records import SpanWrite
from yardstick.span.run_trace_queue import write_run_spans
from yardstick.span.schemas import SpanSearch
from yardstick.span.search import search

ACCOUNT = "text-index"
START = datetime(2026, 11, 1, tzinfo=UTC)
PAGE = PageParams(limit=100, starting_after=None, ending_before=None, sort_order="desc")


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'spans.db'}")
    migrate(engine)
    factory = SessionFactory(engine)
    with factory.write() as session, session.begin():
        auth_service.create_account(session, account_id=ACCOUNT)
    yield factory
    engine.dispose()


def _span(i: int, text: str, *, done: bool = True) -> SpanWrite:
    start = START + timedelta(seconds=i)
    return SpanWrite(
        id=f"span-{i}",
        trace_id="trace",
        name="call",
        start_timestamp=start,
        end_timestamp=start + timedelta(milliseconds=5) if done else None,
        input={"question": text},
    )


def write(sessions: SessionFactory, *spans: SpanWrite) -> None:
    with sessions.write() as session, session.begin():
        write_run_spans(session.connection(), ACCOUNT, spans)


def found(sessions: SessionFactory, *terms: str) -> list[str]:
    with sessions.read() as session:
        page = search(
            session,
            ACCOUNT,
            SpanSearch(search_texts=list(terms)),
            params=PAGE,
            from_ts=None,
            to_ts=None,
        )
    return sorted(span.id for span in page.spans)


def scalar(sessions: SessionFactory, sql: str, *params: Any) -> Any:
    with sessions.read() as session:
        return session.connection().exec_driver_sql(sql, params).scalar()


def queued(sessions: SessionFactory) -> int:
    return int(scalar(sessions, "SELECT count(*) FROM span_text_queue"))


def matches(sessions: SessionFactory, term: str) -> int:
    """Entries of the FTS5 table itself that hold the term's trigrams."""
    fts_query = text_index.query((term,))
    return int(
        scalar(sessions, "SELECT count(*) FROM spans_fts WHERE spans_fts MATCH ?", fts_query)
    )


def drain_all(sessions: SessionFactory, limit: int = text_index.DRAIN_BATCH) -> list[int]:
    taken = []
    while True:
        with sessions.write() as session, session.begin():
            taken.append(text_index.drain(session.connection(), limit))
        if taken[-1] < limit:
            return taken


def check_integrity(sessions: SessionFactory) -> None:
    with sessions.write() as session, session.begin():
        session.connection().exec_driver_sql(
            "INSERT INTO spans_fts (spans_fts) VALUES ('integrity-check')"
        )


def test_spans_are_found_queued_and_indexed(sessions: SessionFactory) -> None:
    write(sessions, *(_span(i, f"quokka number {i}") for i in range(5)))
    write(sessions, _span(5, "quokka running", done=False))
    # Written, not indexed: the completed spans wait in the queue, the running one is not there.
    assert (queued(sessions), matches(sessions, "quokka")) == (5, 0)
    everyone = sorted(f"span-{i}" for i in range(6))
    assert found(sessions, "quokka") == everyone
    assert found(sessions, "number 3") == ["span-3"]

    assert drain_all(sessions, limit=2) == [2, 2, 1]
    assert (queued(sessions), matches(sessions, "quokka")) == (0, 5)
    assert found(sessions, "quokka") == everyone
    assert found(sessions, "number 3") == ["span-3"]
    check_integrity(sessions)


def test_quotes_backslashes_and_newlines_are_found_queued_and_indexed(
    sessions: SessionFactory,
) -> None:
    """The payloads are JSON text: `say "hi"` is `say \\"hi\\"` there, and a term holding
    a quote, a backslash or a newline found only names."""
    texts = ['she said "hi" twice', "C:\\Users\\quokka", "first line\nsecond line", "a\tb tab"]
    write(sessions, *(_span(i, text) for i, text in enumerate(texts)))
    terms = ['said "hi"', "C:\\Users", "line\nsecond", "a\tb"]
    expected = [[f"span-{i}"] for i in range(len(texts))]
    assert [found(sessions, term) for term in terms] == expected  # queued
    drain_all(sessions)
    assert queued(sessions) == 0
    assert [found(sessions, term) for term in terms] == expected  # indexed
    assert found(sessions, '"said \\"hi\\" twice"') == ["span-0"]  # the phrase syntax
    assert found(sessions, 'said \\"hi') == ["span-0"]  # the JSON spelling is found too


def test_a_changed_document_replaces_its_entry(sessions: SessionFactory) -> None:
    write(sessions, _span(0, "wombat first"), _span(1, "wombat steady"))
    drain_all(sessions)
    # Indexed span 0 changes its text: its entry goes at once, the new text waits in the queue.
    write(sessions, _span(0, "numbat second"), _span(1, "wombat steady"))
    assert (queued(sessions), matches(sessions, "wombat"), matches(sessions, "numbat")) == (1, 1, 0)
    assert found(sessions, "wombat") == ["span-1"]
    assert found(sessions, "numbat") == ["span-0"]
    # Still queued and changed again: there is no entry to remove, and one row stays queued.
    write(sessions, _span(0, "dingo third"))
    assert queued(sessions) == 1
    assert found(sessions, "numbat") == []
    assert found(sessions, "dingo") == ["span-0"]
    drain_all(sessions)
    assert (matches(sessions, "dingo"), matches(sessions, "numbat")) == (1, 0)
    assert found(sessions, "dingo") == ["span-0"]
    check_integrity(sessions)


def test_a_span_completed_later_is_queued_then(sessions: SessionFactory) -> None:
    write(sessions, _span(0, "echidna waiting", done=False))
    drain_all(sessions)
    assert (queued(sessions), matches(sessions, "echidna")) == (0, 0)
    assert found(sessions, "echidna") == ["span-0"]  # read as an in-progress span
    write(sessions, _span(0, "echidna arrived"))
    assert queued(sessions) == 1
    drain_all(sessions)
    assert matches(sessions, "echidna") == 1
    assert found(sessions, "arrived") == ["span-0"]
    assert found(sessions, "waiting") == []


def test_deleted_spans_leave_the_index_and_the_queue(sessions: SessionFactory) -> None:
    write(sessions, *(_span(i, f"platypus {i}") for i in range(4)))
    drain_all(sessions)
    write(sessions, _span(4, "platypus queued"), _span(5, "platypus kept"))
    with sessions.write() as session, session.begin():
        # Spans 0..4 started before this cutoff: four indexed, one queued.
        deleted = retention.sweep_batch(
            session.connection(), ACCOUNT, START + timedelta(seconds=4.5)
        )
    assert deleted == 5
    assert (queued(sessions), matches(sessions, "platypus")) == (1, 0)
    assert found(sessions, "platypus") == ["span-5"]
    check_integrity(sessions)


@contextlib.asynccontextmanager
async def _loop_running(sessions: SessionFactory) -> AsyncIterator[None]:
    loop = asyncio.create_task(text_index.text_index_loop(sessions))
    try:
        yield
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


def test_the_loop_indexes_the_queue(sessions: SessionFactory) -> None:
    write(sessions, *(_span(i, f"bilby {i}") for i in range(3)))

    async def until_indexed() -> None:
        async with _loop_running(sessions):
            for _ in range(100):
                if queued(sessions) == 0:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the loop never indexed the queue")

    asyncio.run(until_indexed())
    assert matches(sessions, "bilby") == 3
    assert found(sessions, "bilby") == ["span-0", "span-1", "span-2"]


@pytest.fixture
def quick_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop with nothing queued here yet, checking every 0.02 s."""
    fresh_backlog(monkeypatch, text_index, check_seconds=0.02)


async def _writing_while_the_loop_runs(
    sessions: SessionFactory, rounds: int
) -> list[tuple[int, list[str]]]:
    """Write a span every 0.05 s for `rounds` rounds beside the loop; after each, how many
    rows wait in the queue and what a search for the words finds."""
    checks: list[tuple[int, list[str]]] = []
    async with _loop_running(sessions):
        for i in range(rounds):
            write(sessions, _span(i, f"quokka {i}"))
            await asyncio.sleep(0.05)
            checks.append((queued(sessions), found(sessions, "quokka")))
    return checks


@pytest.mark.usefixtures("quick_loop")
def test_the_loop_waits_while_spans_are_written_here(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Longer than any pause between two writes here, however loaded the machine.
    monkeypatch.setattr(text_index.BACKLOG.pacing, "quiet_seconds", 2.0)

    checks = asyncio.run(_writing_while_the_loop_runs(sessions, 12))

    # Nothing indexed while the writes went on, and every span found from the queue.
    assert [waiting for waiting, _ in checks] == list(range(1, 13))
    assert [len(hits) for _, hits in checks] == list(range(1, 13))

    async def quiet_then_indexed() -> float:
        started = asyncio.get_running_loop().time()
        async with _loop_running(sessions):
            while queued(sessions):
                await asyncio.sleep(0.02)
        return asyncio.get_running_loop().time() - started

    waited = asyncio.run(quiet_then_indexed())
    assert 1 < waited < 10  # it waited for the quiet, then indexed
    assert matches(sessions, "quokka") == 12
    assert len(found(sessions, "quokka")) == 12


@pytest.mark.usefixtures("quick_loop")
def test_past_the_backlog_it_indexes_while_writes_go_on(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_index.BACKLOG.pacing, "max_backlog", 3)

    checks = asyncio.run(_writing_while_the_loop_runs(sessions, 12))

    # Kept near max_backlog (a write or two may land before a drain), not all 12 waiting.
    assert max(waiting for waiting, _ in checks) <= 6
    assert matches(sessions, "quokka") >= 6
    assert [len(hits) for _, hits in checks] == list(range(1, 13))


def test_rows_left_while_writes_go_on_are_drained_once_quiet(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Back under MAX_BACKLOG while writes go on, the drain stops with rows left and marks
    them for the next quiet check: no later write has to come to wake it."""
    backlog = fresh_backlog(monkeypatch, text_index, quiet_seconds=60.0, max_backlog=3, batch=2)
    write(sessions, *(_span(i, f"numbat {i}") for i in range(6)))
    backlog.queued_here.clear()

    asyncio.run(backlog.take_backlog(sessions))

    assert queued(sessions) == 2  # 6 - 2 - 2: under max_backlog, writing, so it stopped
    assert backlog.queued_here.is_set()


def _kiwi_search(
    sessions: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    sort_by: str | None = None,
    *,
    limit: int = 7,
    to_ts: datetime | None = None,
    **filters: Any,
) -> tuple[list[str], list[str | None]]:
    """The page's ids of a search for "kiwi", and the start `search_plan.choose` chose."""
    chosen: list[object] = []
    choose = search_plan.choose
    monkeypatch.setattr(
        search_plan, "choose", lambda *a, **k: chosen.append(choose(*a, **k)) or chosen[-1]
    )
    params = PageParams(
        limit=limit, starting_after=None, ending_before=None, sort_order="desc", sort_by=sort_by
    )
    with sessions.read() as session:
        page = search(
            session,
            ACCOUNT,
            SpanSearch(search_texts=["kiwi"], **filters),
            params=params,
            from_ts=None,
            to_ts=to_ts,
        )
    assert page.has_more
    return [span.id for span in page.spans], [
        type(plan).__name__ if plan else None for plan in chosen
    ]


def _kiwis(sessions: SessionFactory) -> None:
    """20 spans hold the term, 20 do not, some queued and one running."""
    write(sessions, *(_span(i, "kiwi" if i % 2 else "emu") for i in range(20)))
    drain_all(sessions)
    write(sessions, *(_span(i, "kiwi" if i % 2 else "emu") for i in range(20, 39)))
    write(sessions, _span(39, "kiwi", done=False))


@pytest.mark.parametrize(
    ("drive_limit", "filter_limit", "walk_per_row", "start"),
    [
        (1000, 2000, 0, "Rows"),
        # Half the spans hold it: a page is found sooner walking than reading them all.
        (1000, 2000, search_plan.WALK_PER_ROW, "Among"),
        (3, 1000, search_plan.WALK_PER_ROW, "Among"),
        (3, 5, search_plan.WALK_PER_ROW, None),
    ],
)
def test_every_start_of_a_text_search_gives_the_same_page(
    sessions: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    drive_limit: int,
    filter_limit: int,
    walk_per_row: int,
    start: str | None,
) -> None:
    """Read by their rows, by a walk that checks the candidates first, and by a plain walk,
    the page is the same."""
    _kiwis(sessions)
    monkeypatch.setattr(search_plan, "DRIVE_LIMIT", drive_limit)
    monkeypatch.setattr(search_plan, "FILTER_LIMIT", filter_limit)
    monkeypatch.setattr(search_plan, "WALK_PER_ROW", walk_per_row)

    ids, chosen = _kiwi_search(sessions, monkeypatch)

    assert chosen == [start]
    assert ids == [f"span-{i}" for i in (39, 37, 35, 33, 31, 29, 27)]


@pytest.mark.parametrize(
    ("sort_by", "filters"),
    [
        # A walk of the time index would read every span before its page is known.
        ("duration_ms", {}),
        # How far a walk goes for a page then depends on how rare the other filter is.
        (None, {"statuses": ["SUCCESS"]}),
        (None, {"extra_metadata": {"k": ["a", "b"]}}),
    ],
)
def test_a_text_search_otherwise_walked_reads_its_rows_whole(
    sessions: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    sort_by: str | None,
    filters: dict[str, Any],
) -> None:
    """Sorted by anything but the start, or with another filter than the time window, a text
    however common is read by its rows."""
    write(
        sessions,
        *(
            replace(_span(i, "kiwi" if i % 2 else "emu"), metadata={"k": "ab"[i % 4 // 2]})
            for i in range(40)
        ),
    )
    drain_all(sessions)
    # The text's 20 spans may be read whole; the metadata filter's 40 may not.
    monkeypatch.setattr(search_plan, "DRIVE_LIMIT", 30)
    monkeypatch.setattr(search_plan, "WALK_PER_ROW", 10**9)

    ids, chosen = _kiwi_search(sessions, monkeypatch, sort_by=sort_by, **filters)

    assert chosen == ["Rows"]
    assert len(ids) == 7


def test_a_text_search_in_a_time_window_may_walk(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window bounds the walk: a common text in it is walked, and the page is the
    window's."""
    _kiwis(sessions)

    ids, chosen = _kiwi_search(
        sessions, monkeypatch, limit=3, to_ts=_span(30, "kiwi").start_timestamp
    )

    assert chosen == ["Among"]
    assert ids == ["span-29", "span-27", "span-25"]
