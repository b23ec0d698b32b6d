"""The export's row text against `item_json` (what GET renders), on the rows that must leave
the fast splice for the parsed path, and on those that may take it. A case is an item and its
cells as stored; `page_row` lays them out as the export's page query returns them."""

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from yardstick.evaluation_item.repository import Cell, ItemRow
from yardstick.evaluation_item.schemas import HAS_VALUE, item_json
from yardstick.export.repository import CELL_WIDTH, Row
from yardstick.export.rows import Source

# id, data, dataset item id, version, created_at text, files JSON text.
ItemText = tuple[str, str, str | None, int | None, str, str | None]
# item id, alias, status, value JSON, error type, error message, details JSON, latency, attempts.
CellText = tuple[str, str, str, str | None, str | None, str | None, str | None, float | None, int]

CREATED = "2026-11-30 12:00:00.123456"
# Every row is the second repeat of its row (`repeats`), so those two columns are checked too.
REPEAT, ROW_ITEM_ID = 1, "it-0"
TASKS = [{"alias": "answer"}, {"alias": "score"}]


def expected(tasks: list[dict[str, Any]], item: ItemText, cells: list[CellText]) -> Any:
    row = ItemRow(
        item[0],
        "ev",
        item[1],
        item[2],
        item[3],
        datetime.fromisoformat(item[4]).replace(tzinfo=UTC),
        "key-1",
        None,
        tasks,
        None if item[5] is None else orjson.loads(item[5]),
        REPEAT,
        ROW_ITEM_ID,
    )
    parsed = [
        Cell(
            c[1],
            c[2],
            None if c[3] is None else orjson.loads(c[3]),
            c[4],
            c[5],
            None if c[6] is None else orjson.loads(c[6]),
            c[7],
            c[8],
        )
        for c in cells
    ]
    return orjson.loads(orjson.dumps(item_json(row, parsed)))


def page_row(tasks: list[dict[str, Any]], item: ItemText, cells: list[CellText]) -> Row:
    """The item's columns, then each task's cell (None where it has none), the value's text
    only where the status has one."""
    by_alias = {c[1]: c for c in cells}
    row: list[Any] = [*item, REPEAT, ROW_ITEM_ID]
    for task in tasks:
        c = by_alias.get(task["alias"])
        if c is None:
            row += [None] * CELL_WIDTH
            continue
        result = c[3] if c[2] in HAS_VALUE and c[3] is not None else "null"
        row += [c[2], result, *c[4:]]
    return tuple(row)


def cell(
    alias: str,
    status: str = "completed",
    value: str | None = '"ok"',
    details: str | None = None,
    error: tuple[str, str] | None = None,
) -> CellText:
    error_type, message = error or (None, None)
    return ("it-1", alias, status, value, error_type, message, details, 12.5, 1)


CASES: dict[str, tuple[list[dict[str, Any]], ItemText, list[CellText]]] = {
    "spliced": (
        TASKS,
        ("it-1", '{"q":"a \\"quoted\\" ✓"}', "ds-1", 3, CREATED, '{"doc":"f-1"}'),
        [cell("answer", details='{"usage":{"total_tokens":3}}'), cell("score", value="0.5")],
    ),
    "pending, errored and null details": (
        TASKS,
        ("it-1", '{"q":1}', None, None, CREATED, None),
        [cell("score", "errored", None, "null", ("ScoreError", 'bad "input"\n'))],
    ),
    "empty data and files": (
        TASKS,
        ("it-1", "{}", None, None, CREATED, "{}"),
        [cell("answer", details="{}")],
    ),
    "no tasks": ([], ("it-1", '{"q":[1,2]}', None, None, CREATED, "null"), []),
    "prefilled and skipped": (
        TASKS,
        ("it-1", '{"q":1}', None, None, "2026-11-30 12:00:00", None),
        [cell("answer", "prefilled", '{"a":[1]}'), cell("score", "skipped", None)],
    ),
    "errored with a stale value and no error text": (
        TASKS,
        ("it-1", '{"q":1}', None, None, CREATED, None),
        [cell("answer", "errored", '"old"', error=("", ""))],
    ),
    # The parsed path:
    "alias text inside data": (
        TASKS,
        ("it-1", '{"q":"answer","x":"\\"answer\\""}', None, None, CREATED, None),
        [cell("answer")],
    ),
    "details with latency_ms": (
        TASKS,
        ("it-1", '{"q":1}', None, None, CREATED, None),
        [cell("answer", details='{"latency_ms":1,"x":2}')],
    ),
    "spaced data": (TASKS, ("it-1", '{ "q": 1 }', None, None, CREATED, None), [cell("answer")]),
    "non-ASCII alias": (
        [{"alias": "réponse"}],
        ("it-1", '{"q":1}', None, None, CREATED, None),
        [cell("réponse")],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_line_is_what_get_renders(case: str) -> None:
    tasks, item, cells = CASES[case]
    line = orjson.loads(Source("ev", tasks, "key-1", None).line(page_row(tasks, item, cells)))
    want = expected(tasks, item, cells)
    assert line == want
    # Member order too: the same JSON text up to whitespace.
    assert list(line) == list(want)
    if isinstance(want["data"], dict):
        assert list(line["data"]) == list(want["data"])
        assert list(line["task_metadata"]) == list(want["task_metadata"])


def test_archived_evaluation_rows_carry_its_archive_time() -> None:
    archived = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    item: ItemText = ("it-1", '{"q":1}', None, None, CREATED, None)
    line = orjson.loads(Source("ev", TASKS, "key-1", archived).line(page_row(TASKS, item, [])))
    assert line["archived_at"] == "2026-11-30T13:00:00Z"
    assert line["task_result_statuses"] == {"answer": "pending", "score": "pending"}
