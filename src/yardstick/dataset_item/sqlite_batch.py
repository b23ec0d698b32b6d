"""A batch of new dataset items on SQLite: one statement a chunk, written while the next chunk
is encoded.

`executemany` steps SQLite once a row and binds each row's values in Python. Here a chunk is one
statement: its texts go as one BLOB, each row's own values as a JSON array read by `json_each`,
and a row's text is its slice of the BLOB, read as the UTF-8 it is (1,000 rows of ~1 KB:
5.4-5.9 ms with the commit, against 7.4-7.9 ms). SQLite runs that statement in one step with
the GIL let go, so a thread of its own writes a chunk while the request's thread encodes and
hashes the next one (`yardstick.dataset_item.encoding`, ~5 ms of every 1,000 rows).
"""

import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from itertools import accumulate
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Connection

from yardstick.dataset_item.encoding import encode_rows

# Rows a statement: small enough that the first chunk's encoding, which nothing overlaps, is
# short; large enough that each hand-over between the threads (a GIL switch) is amortized.
CHUNK_ROWS = 250

# MATERIALIZED (SQLite 3.35 and later; older ones do without): otherwise `json_each` writes a
# row's array out again for each column read from it.
_MATERIALIZED = "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""
_INSERT = (
    f"WITH batch(row) AS {_MATERIALIZED}(SELECT value FROM json_each(:rows)) "
    "INSERT INTO dataset_item_versions (item_id, account_id, dataset_id, data, content_hash, "
    "version_from, version_to, created_at, updated_at, created_by_user_id, archived_at, files) "
    "SELECT json_extract(row, '$[0]'), :account_id, :dataset_id, "
    "CAST(substr(:texts, json_extract(row, '$[1]'), json_extract(row, '$[2]')) AS TEXT), "
    "json_extract(row, '$[3]'), :version, NULL, :now, :now, :user_id, NULL, "
    "json_extract(row, '$[4]') FROM batch"
)

# One batch writes at a time per process (SQLite has one writer); a second thread covers a
# batch whose writer's transaction ends while its last chunk is still being handed back.
_WRITER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="yardstick-item-batch")


class Shared(NamedTuple):
    """What every row of the batch has, bound as the driver takes it."""

    account_id: str
    dataset_id: str
    version: int
    now: str
    user_id: str


def insert(
    connection: Connection,
    shared: Shared,
    *,
    ids: Sequence[str],
    rows: Sequence[Any],
    files: Sequence[dict[str, str] | None],
    to_files: Callable[[Any], Any],
    loc: list[str | int],
) -> tuple[list[bytes], list[str]]:
    """Encode `rows` and insert them in `connection`'s transaction; their stored texts and
    content hashes. A row that cannot be stored raises its 422 once no chunk is being written."""
    driver = cast(sqlite3.Connection, connection.connection.driver_connection)
    texts: list[bytes] = []
    hashes: list[str] = []
    writing: Future[Any] | None = None
    try:
        for start in range(0, len(rows), CHUNK_ROWS):
            end = start + CHUNK_ROWS
            chunk_texts, chunk_hashes = encode_rows(rows[start:end], loc, first=start)
            bound = [
                None if row_files is None else to_files(row_files) for row_files in files[start:end]
            ]
            params = _params(shared, ids[start:end], chunk_texts, chunk_hashes, bound)
            if writing is not None:
                writing.result()
            started = threading.Event()
            writing = _WRITER.submit(_write, driver, params, started)
            # Until the writer is inside SQLite (where it lets the GIL go), encoding the next
            # chunk here would hold the GIL it needs to get there: the two would take turns.
            started.wait()
            texts += chunk_texts
            hashes += chunk_hashes
        if writing is not None:
            writing.result()
    finally:
        if writing is not None:
            wait([writing])  # the connection is the caller's again only once its chunk is written
    return texts, hashes


def _write(driver: sqlite3.Connection, params: dict[str, Any], started: threading.Event) -> None:
    started.set()
    driver.execute(_INSERT, params)


def _params(
    shared: Shared,
    ids: Sequence[str],
    texts: list[bytes],
    hashes: list[str],
    files: Sequence[str | None],
) -> dict[str, Any]:
    lengths = [len(text) for text in texts]
    starts = accumulate(lengths[:-1], initial=1)  # substr counts from 1, in bytes for a BLOB
    values = list(zip(ids, starts, lengths, hashes, files, strict=True))
    return {
        "rows": orjson.dumps(values).decode(),
        "texts": b"".join(texts),
        **shared._asdict(),
    }
