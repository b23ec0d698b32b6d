"""Search by another column than the start, as the 0.7.0 client's `sort_by` names them:
`duration_ms`, `input_tokens`, `output_tokens` (a span without one sorts as 0), ties by the
start then the id. The server once answered every `sort_by` in start order."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.databases import migrated_sessions
from yardstick.db.session import SessionFactory
from yardstick.kit.pagination import PageParams, SortOrder
from yardstick.span.records import SpanWrite
from yardstick.span.run_trace_queue import write_run_spans
from yardstick.span.schemas import SpanSearch
from yardstick.span.search import search

ACCOUNT = "sorted"
START = datetime(2026, 10, 1, tzinfo=UTC)
# (id, seconds after START, duration in ms or None for in progress, input tokens, output tokens)
SPANS = [
    ("s0", 0, 300, 30, None),
    ("s1", 1, 100, None, 5),
    ("s2", 2, 500, 10, 5),
    ("s3", 3, None, 20, 1),
    ("s4", 4, 100, 0, 9),
    ("s5", 5, 200, 40, None),
    ("s6", 5, 300, 10, 2),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sessions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SessionFactory]:
    # Read only by the tests: one database a backend.
    tmp_path = tmp_path_factory.mktemp(f"sort-by-{request.param}")
    with migrated_sessions(request.param, tmp_path, (ACCOUNT,)) as factory:
        with factory.write() as session, session.begin():
            spans = []
            for span_id, second, duration, tokens_in, tokens_out in SPANS:
                start = START + timedelta(seconds=second)
                end = None if duration is None else start + timedelta(milliseconds=duration)
                spans.append(
                    SpanWrite(
                        id=span_id,
                        trace_id="trace",
                        name="call quokka",
                        start_timestamp=start,
                        end_timestamp=end,
                        input_tokens=tokens_in,
                        output_tokens=tokens_out,
                        metadata={"env": "prod"},
                    )
                )
            write_run_spans(session.connection(), ACCOUNT, spans)
        yield factory


def expected(column: int, order: SortOrder) -> list[str]:
    """The ids in `sort_by`'s order: the column (None as 0), then the start, then the id."""
    keyed = sorted(SPANS, key=lambda span: (span[column] or 0, span[1], span[0]))
    ids = [span[0] for span in keyed]
    return ids if order == "asc" else ids[::-1]


def walk(
    sessions: SessionFactory, body: SpanSearch, sort_by: str | None, order: SortOrder
) -> list[str]:
    """Every page of 2, forward with starting_after; then the same walked back from the last
    page with ending_before, which must give the same pages."""
    forward: list[list[str]] = []
    cursor: str | None = None
    while True:
        params = PageParams(2, cursor, None, order, sort_by)
        with sessions.read() as session:
            page = search(session, ACCOUNT, body, params=params, from_ts=None, to_ts=None)
        forward.append([span.id for span in page.spans])
        if not page.has_more:
            break
        cursor = forward[-1][-1]
    backward: list[list[str]] = []
    before: str | None = forward[-1][0]
    while before is not None:
        params = PageParams(2, None, before, order, sort_by)
        with sessions.read() as session:
            page = search(session, ACCOUNT, body, params=params, from_ts=None, to_ts=None)
        ids = [span.id for span in page.spans]
        backward.insert(0, ids)
        before = ids[0] if page.has_more else None
    flat = [span_id for ids in forward for span_id in ids]
    assert [span_id for ids in [*backward, forward[-1]] for span_id in ids] == flat
    return flat


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize(
    ("sort_by", "column"), [("duration_ms", 2), ("input_tokens", 3), ("output_tokens", 4)]
)
@pytest.mark.parametrize(
    "body",
    [
        SpanSearch(),
        SpanSearch(extra_metadata={"env": "prod"}),  # a filter whose index rows are in start order
        SpanSearch(search_texts=["quokka"]),
        SpanSearch(trace_ids=["trace"]),
    ],
    ids=["all", "metadata", "text", "trace"],
)
def test_sort_by_another_column_orders_and_pages(
    sessions: SessionFactory, body: SpanSearch, sort_by: str, column: int, order: SortOrder
) -> None:
    assert walk(sessions, body, sort_by, order) == expected(column, order)


def test_the_start_is_the_default_and_an_unknown_sort_by_keeps_it(
    sessions: SessionFactory,
) -> None:
    for sort_by in (None, "start_timestamp", "name"):
        assert walk(sessions, SpanSearch(), sort_by, "asc") == expected(1, "asc")
