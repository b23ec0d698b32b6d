"""Export rows: each item as the JSON text of exactly what `GET /v5/evaluation-items/{id}`
returns, assembled from the stored JSON texts.

`item_json` (what GET uses) parses the row's `data` and every cell's value and details, merges
dicts and serializes them again: ~21 µs a row on the benchmark machine, most of a million-row
download's time. Here the texts go into the line as they are stored: the results are spliced
in before the closing brace of `data`, `latency_ms` and `attempts` before that of the cell's
details, and only short strings (ids, error messages, latencies) are encoded. The line is the
same JSON, member for member and in the same order.

This runs once per row and cell of a download, so it is written for CPython's costs: one
f-string per line, members appended to strings rather than lists, each alias's JSON pieces
encoded once per export (`_Alias`), no helper call per cell where an expression does. With two
tasks a line costs ~37,000 CPU instructions (valgrind), half a row's reading and rendering.

The splice is taken only where it is certainly the same. A row where a result's alias may
already be a key of `data` (its quoted name occurs in the text), a cell's details may hold
`latency_ms` or `attempts`, or a stored text is not a compact JSON object, is rendered by
`item_json` itself from parsed values.
"""

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from yardstick.evaluation_item.cell_filters import STATUSES
from yardstick.evaluation_item.repository import Cell, ItemRow
from yardstick.evaluation_item.schemas import item_json
from yardstick.export.repository import (
    CELL_WIDTH,
    CREATED_AT,
    DATA,
    DATASET_ITEM_ID,
    FILES,
    ITEM_ID,
    ITEM_WIDTH,
    REPEAT,
    ROW_ITEM_ID,
    VERSION,
    Row,
)
from yardstick.kit.responses import format_ts, identity_json

# `dumps(...).decode()`, not `_json`, where every row or cell goes through it: the call costs as
# much as the encoding.
dumps = orjson.dumps


def _json(value: Any) -> str:
    return dumps(value).decode()


class _Fallback(Exception):
    """This row cannot be spliced: render it from parsed values."""


class _Alias(NamedTuple):
    """A task alias as the splice uses it, its JSON pieces encoded once per export."""

    key: str  # as a JSON key: "alias"
    # The start of its member in `data` and `task_result_statuses`, where every alias has one:
    # `"alias":`, after a comma but for the first alias.
    lead: str
    member: str  # the start of its member in the other objects: ,"alias":
    at: int  # where its cell's columns start in a row
    status_members: dict[str, str]  # its member of task_result_statuses, by status

    @classmethod
    def of(cls, alias: str, k: int) -> "_Alias":
        key = _json(alias)
        lead = f"{',' if k else ''}{key}:"
        statuses = {status: lead + _json(status) for status in STATUSES}
        return cls(key, lead, f",{key}:", ITEM_WIDTH + k * CELL_WIDTH, statuses)


class Source:
    """One evaluation's rows: what they all read from the evaluation, read once, and the
    constant parts of every line, encoded once."""

    def __init__(
        self,
        evaluation_id: str,
        tasks: list[dict[str, Any]],
        created_by_user_id: str,
        archived_at: datetime | None,
    ) -> None:
        self.id = evaluation_id
        self.tasks = tasks
        self.created_by_user_id = created_by_user_id
        self.archived_at = archived_at
        self.aliases: list[str] = [task["alias"] for task in tasks]
        self._cells = [_Alias.of(alias, k) for k, alias in enumerate(self.aliases)]
        # An alias whose key text is not plain ASCII could occur in `data` in another (escaped)
        # spelling that the collision test misses: every row then takes the slow path.
        self._splice = all(
            alias.isascii() and cell.key == f'"{alias}"'
            for alias, cell in zip(self.aliases, self._cells)
        )
        self._after_id = f',"evaluation_id":{_json(evaluation_id)},"data":'
        self._tail = (
            f',"created_by_user_id":{_json(created_by_user_id)}'
            f',"created_by":{_json(identity_json(created_by_user_id))}'
            f',"archived_at":{_json(format_ts(archived_at))},"files":'
        )

    def line(self, row: Row) -> str:
        """The item's JSON text, as GET renders it."""
        try:
            if not self._splice:
                raise _Fallback
            data: str = row[DATA]
            results = statuses = errors = metadata = ""
            if self._cells:
                if not _is_object(data):
                    raise _Fallback
                for key, lead, member, at, status_members in self._cells:
                    if key in data:
                        raise _Fallback
                    status, result, error_type, message, details, latency, attempts = row[
                        at : at + CELL_WIDTH
                    ]
                    if status is None:
                        results += f"{lead}null"
                        statuses += f'{lead}"pending"'
                        continue
                    results += lead + result
                    statuses += status_members.get(status) or lead + _json(status)
                    if status == "errored":
                        errors += member + _error(error_type, message)
                    # {**details, "latency_ms": ..., "attempts": ...}, as GET renders it.
                    tail = f'"latency_ms":{dumps(latency).decode()},"attempts":{attempts}}}'
                    if details is None or details == "null" or details == "{}":
                        metadata += f"{member}{{{tail}"
                    elif (  # _is_object, inline: this runs for every cell
                        details[:1] == "{"
                        and details[-1:] == "}"
                        and not details[1].isspace()
                        and '"latency_ms"' not in details
                        and '"attempts"' not in details
                    ):
                        metadata += f"{member}{details[:-1]},{tail}"
                    else:
                        raise _Fallback
                data = f"{{{results}}}" if data == "{}" else f"{data[:-1]},{results}}}"
            dataset_item = row[DATASET_ITEM_ID]
            version = row[VERSION]
            files = row[FILES]
            return (
                f'{{"object":"evaluation.item","id":{dumps(row[ITEM_ID]).decode()}'
                f"{self._after_id}{data}"
                f',"dataset_item_id":{"null" if dataset_item is None else _json(dataset_item)}'
                f',"dataset_item_version_num":{"null" if version is None else int(version)}'
                # The conditional members come after a comma each, the first one dropped.
                f',"task_errors":{{{errors[1:]}}}'
                f',"task_result_statuses":{{{statuses}}}'
                f',"task_metadata":{{{metadata[1:]}}}'
                f',"created_at":{_created_at(row[CREATED_AT])}{self._tail}'
                f"{'{}' if files is None or files in ('null', '{}') else _object(files)}"
                f',"repeat":{int(row[REPEAT])},"row_item_id":{_json(row[ROW_ITEM_ID])}}}'
            )
        except _Fallback:
            return _json(self._parsed(row))

    def _parsed(self, row: Row) -> dict[str, Any]:
        item = ItemRow(
            row[ITEM_ID],
            self.id,
            row[DATA],
            row[DATASET_ITEM_ID],
            row[VERSION],
            _timestamp(row[CREATED_AT]),
            self.created_by_user_id,
            self.archived_at,
            self.tasks,
            _loads(row[FILES]),
            row[REPEAT],
            row[ROW_ITEM_ID],
        )
        cells: list[Cell] = []
        for alias, (_, _, _, at, _) in zip(self.aliases, self._cells):
            status, result, error_type, message, details, latency, attempts = row[
                at : at + CELL_WIDTH
            ]
            if status is not None:
                # `result` is the value where the status has one, else null: item_json reads
                # the value only there.
                value = _loads(result)
                cell = Cell(
                    alias, status, value, error_type, message, _loads(details), latency, attempts
                )
                cells.append(cell)
        return item_json(item, cells)


def _is_object(text: str) -> bool:
    """A JSON object as our writers store it: no whitespace around or inside its braces."""
    return text[:1] == "{" and text[-1:] == "}" and (text == "{}" or not text[1].isspace())


def _object(text: str) -> str:
    if not _is_object(text):
        raise _Fallback
    return text


def _error(error_type: str | None, message: str | None) -> str:
    return _json({"type": error_type or "Error", "message": message or ""})


def _timestamp(stored: str) -> datetime:
    # Both dialects' text form of a naive UTC timestamp: `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def _created_at(stored: str) -> str:
    # Rows written together share their timestamp: each distinct one is formatted once.
    return _json(format_ts(_timestamp(stored)))


def _loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)
