"""Search's order among spans that start at the same moment: by id, in code point order, on
SQLite and on PostgreSQL whatever the database's collation. An `en-US` database once put
`_x` first and `a-1` before `A-1`, so the two backends answered a search in other orders."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.databases import migrated_sessions
from yardstick.db.session import SessionFactory
from yardstick.kit.pagination import PageParams
from yardstick.span.records import SpanWrite
from yardstick.span.run_trace_queue import write_run_spans
from yardstick.span.schemas import SpanSearch
from yardstick.span.search import search

ACCOUNT = "order"
START = datetime(2026, 10, 1, tzinfo=UTC)
IDS = ["a-1", "B-1", "_x", "Z-1", "b-1", "A-1", "1", "é"]


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionFactory]:
    # en-US collates letters before case and skips punctuation at first: unlike code points.
    locale = "en-US" if request.param == "postgresql" else None
    with migrated_sessions(request.param, tmp_path, (ACCOUNT,), icu_locale=locale) as factory:
        with factory.write() as session, session.begin():
            spans = [
                SpanWrite(
                    id=span_id,
                    trace_id="trace",
                    name="step",
                    start_timestamp=START,
                    end_timestamp=START + timedelta(seconds=1),
                    metadata={"env": "prod"},
                )
                for span_id in IDS
            ]
            write_run_spans(session.connection(), ACCOUNT, spans)
        yield factory


def pages(sessions: SessionFactory, body: SpanSearch, *, backwards: bool) -> list[list[str]]:
    """Every page of 3, ascending, walked from the first page or from the last."""
    out: list[list[str]] = []
    cursor: str | None = None
    while True:
        params = PageParams(
            limit=3,
            starting_after=None if backwards else cursor,
            ending_before=cursor if backwards else None,
            sort_order="asc",
        )
        if backwards and cursor is None:
            params = PageParams(3, None, None, "desc")  # the last page, newest first
        with sessions.read() as session:
            page = search(session, ACCOUNT, body, params=params, from_ts=None, to_ts=None)
        ids = [span.id for span in page.spans]
        if backwards and cursor is None:
            ids.reverse()
        out.append(ids)
        if not page.has_more:
            return out
        cursor = ids[0] if backwards else ids[-1]


@pytest.mark.parametrize(
    "body",
    [SpanSearch(), SpanSearch(extra_metadata={"env": "prod"})],
    ids=["spans", "metadata"],
)
def test_ties_are_in_code_point_order_and_pages_agree(
    sessions: SessionFactory, body: SpanSearch
) -> None:
    ordered = sorted(IDS)  # 1, A-1, B-1, Z-1, _x, a-1, b-1, é

    forward = pages(sessions, body, backwards=False)
    backward = pages(sessions, body, backwards=True)

    assert [span_id for page in forward for span_id in page] == ordered
    assert [span_id for page in reversed(backward) for span_id in page] == ordered
