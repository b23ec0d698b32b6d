"""Export rows: each item as the JSON text of exactly what `GET /v5/evaluation-items/{id}`
returns, assembled from the stored JSON texts.

`item_json` (what GET uses) parses the row's `data` and every cell's value and details, merges
dicts and serializes them again: ~21 µs a row on the benchmark machine, most of a million-row
download's time. Here the texts go into the line as they are stored: the results are spliced
in before the closing brace of `data`, `latency_ms` and `attempts` before that of the cell's
details, and only short strings (ids, statuses, error messages) are encoded (~8 µs a row).
The line is the same JSON, member for member and in the same order.

The splice is taken only where it is certainly the same. A row where a result's alias may
already be a key of `data` (its quoted name occurs in the text), a cell's details may hold
`latency_ms` or `attempts`, or a stored text is not a compact JSON object, is rendered by
`item_json` itself from parsed values.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

import orjson

from yardstick.evaluation_item.repository import Cell, ItemRow
from yardstick.evaluation_item.schemas import HAS_VALUE, item_json
from yardstick.export.repository import CellText, ItemText
from yardstick.kit.responses import format_ts, identity_json

# Positions in the rows `repository` reads (plain driver tuples: see `repository._fetch`).
ITEM_ID: Final = 0
DATA: Final = 1
DATASET_ITEM_ID: Final = 2
VERSION: Final = 3
CREATED_AT: Final = 4
FILES: Final = 5
ALIAS: Final = 1
STATUS: Final = 2
VALUE: Final = 3
ERROR_TYPE: Final = 4
ERROR_MESSAGE: Final = 5
DETAILS: Final = 6
LATENCY: Final = 7
ATTEMPTS: Final = 8


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class _Fallback(Exception):
    """This row cannot be spliced: render it from parsed values."""


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
        # Each alias as a JSON key. An alias whose key text is not plain ASCII could occur in
        # `data` in another (escaped) spelling that the collision test misses: every row then
        # takes the slow path.
        self._keys = [_json(alias) for alias in self.aliases]
        self._splice = all(
            alias.isascii() and key == f'"{alias}"' for alias, key in zip(self.aliases, self._keys)
        )
        self._head = '{"object":"evaluation.item","id":'
        self._after_id = f',"evaluation_id":{_json(evaluation_id)},"data":'
        self._tail = (
            f',"created_by_user_id":{_json(created_by_user_id)}'
            f',"created_by":{_json(identity_json(created_by_user_id))}'
            f',"archived_at":{_json(format_ts(archived_at))},"files":'
        )

    def line(self, item: ItemText, cells: Sequence[CellText]) -> str:
        """The item's JSON text, as GET renders it (`cells`: the item's own)."""
        if self._splice:
            try:
                return self._spliced(item, cells)
            except _Fallback:
                pass
        return _json(self._parsed(item, cells))

    def _spliced(self, item: ItemText, cells: Sequence[CellText]) -> str:
        data = item[DATA]
        statuses: list[str] = []
        errors: list[str] = []
        metadata: list[str] = []
        if not self.aliases:
            merged = data
        elif not _is_object(data):
            raise _Fallback
        else:
            by_alias = {cell[ALIAS]: cell for cell in cells}
            results: list[str] = []
            for alias, key in zip(self.aliases, self._keys):
                if key in data:
                    raise _Fallback
                cell = by_alias.get(alias)
                if cell is None:
                    results.append(f"{key}:null")
                    statuses.append(f'{key}:"pending"')
                    continue
                status = cell[STATUS]
                value = cell[VALUE] if status in HAS_VALUE and cell[VALUE] is not None else "null"
                results.append(f"{key}:{value}")
                statuses.append(f"{key}:{_status(status)}")
                if status == "errored":
                    error = {"type": cell[ERROR_TYPE] or "Error", "message": cell[ERROR_MESSAGE] or ""}
                    errors.append(f"{key}:{_json(error)}")
                metadata.append(f"{key}:{_metadata(cell)}")
            merged = _extend(data, ",".join(results))
        dataset_item = item[DATASET_ITEM_ID]
        version = item[VERSION]
        files = item[FILES]
        parts = (
            self._head,
            _json(item[ITEM_ID]),
            self._after_id,
            merged,
            ',"dataset_item_id":',
            "null" if dataset_item is None else _json(dataset_item),
            ',"dataset_item_version_num":',
            "null" if version is None else str(int(version)),
            ',"task_errors":{',
            ",".join(errors),
            '},"task_result_statuses":{',
            ",".join(statuses),
            '},"task_metadata":{',
            ",".join(metadata),
            '},"created_at":',
            _created_at(item[CREATED_AT]),
            self._tail,
            "{}" if files is None or files in ("null", "{}") else _object(files),
            "}",
        )
        return "".join(parts)

    def _parsed(self, item: ItemText, cells: Sequence[CellText]) -> dict[str, Any]:
        row = ItemRow(
            item[ITEM_ID],
            self.id,
            item[DATA],
            item[DATASET_ITEM_ID],
            item[VERSION],
            _timestamp(item[CREATED_AT]),
            self.created_by_user_id,
            self.archived_at,
            self.tasks,
            _loads(item[FILES]),
        )
        parsed = [
            Cell(
                cell[ALIAS],
                cell[STATUS],
                _loads(cell[VALUE]),
                cell[ERROR_TYPE],
                cell[ERROR_MESSAGE],
                _loads(cell[DETAILS]),
                cell[LATENCY],
                cell[ATTEMPTS],
            )
            for cell in cells
        ]
        return item_json(row, parsed)


def _is_object(text: str) -> bool:
    """A JSON object as our writers store it: no whitespace around or inside its braces."""
    return text[:1] == "{" and text[-1:] == "}" and (text == "{}" or not text[1].isspace())


def _object(text: str) -> str:
    if not _is_object(text):
        raise _Fallback
    return text


def _extend(text: str, members: str) -> str:
    """The object `text` with `members` added at its end."""
    return text[:-1] + ("" if text == "{}" else ",") + members + "}"


def _metadata(cell: CellText) -> str:
    """`{**details, "latency_ms": ..., "attempts": ...}` as GET renders it."""
    tail = f'"latency_ms":{_json(cell[LATENCY])},"attempts":{int(cell[ATTEMPTS])}'
    details = cell[DETAILS]
    if details is None or details in ("null", "{}"):
        return "{" + tail + "}"
    if not _is_object(details) or '"latency_ms"' in details or '"attempts"' in details:
        raise _Fallback
    return _extend(details, tail)


@lru_cache(maxsize=64)
def _status(status: str) -> str:
    return _json(status)


def _timestamp(stored: str) -> datetime:
    # Both dialects' text form of a naive UTC timestamp: `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def _created_at(stored: str) -> str:
    # Rows written together share their timestamp: each distinct one is formatted once.
    return _json(format_ts(_timestamp(stored)))


def _loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)
