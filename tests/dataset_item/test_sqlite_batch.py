"""SQLite's batch insert (yardstick.dataset_item.sqlite_batch): chunks written by a thread of
their own while the next is encoded, against a real database file."""

from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from tests.fixtures.databases import migrated_sessions
from yardstick.dataset_item import sqlite_batch
from yardstick.dataset_item.encoding import encode_rows
from yardstick.errors import Unprocessable
from yardstick.ids import new_ids

ACCOUNT = "acct-batch"
SHARED = sqlite_batch.Shared(ACCOUNT, "ds-1", 2, "2026-12-03 10:00:00.000000", "user-1")


def _stored(session: object) -> list[tuple[str, str, str, str | None]]:
    sql = "SELECT item_id, data, content_hash, files FROM dataset_item_versions ORDER BY item_id"
    return [tuple(row) for row in session.execute(text(sql))]  # type: ignore[attr-defined]


def test_every_chunk_is_written_in_order(tmp_path: Path) -> None:
    count = 2 * sqlite_batch.CHUNK_ROWS + 7  # three chunks, the last a short one
    rows = [{"i": i, "text": "é日本😀"[: i % 4] * (i % 50), "n": [i, None]} for i in range(count)]
    files = [{"doc": f"file-{i}"} if i % 7 == 0 else None for i in range(count)]
    ids = new_ids(count)
    with migrated_sessions("sqlite", tmp_path, (ACCOUNT,)) as sessions:
        with sessions.write() as session, session.begin():
            texts, hashes = sqlite_batch.insert(
                session.connection(),
                SHARED,
                ids=ids,
                rows=rows,
                files=files,
                to_files=lambda value: orjson.dumps(value).decode(),
                loc=["body", "data"],
            )
        with sessions.read() as session:
            stored = _stored(session)
    assert (texts, hashes) == encode_rows(rows, [])
    assert [row[0] for row in stored] == ids
    for (_, data, content_hash, stored_files), row, text_, hash_, row_files in zip(
        stored, rows, texts, hashes, files, strict=True
    ):
        assert data == text_.decode()
        assert orjson.loads(data) == row
        assert content_hash == hash_
        assert (stored_files and orjson.loads(stored_files)) == row_files


def test_a_row_that_cannot_be_stored_names_its_index_in_the_whole_batch(tmp_path: Path) -> None:
    count = 2 * sqlite_batch.CHUNK_ROWS
    bad = sqlite_batch.CHUNK_ROWS + 3  # in the second chunk, while the first is being written
    rows: list[object] = [{"i": i} for i in range(count)]
    rows[bad] = {"not json": {1, 2}}
    with migrated_sessions("sqlite", tmp_path, (ACCOUNT,)) as sessions:
        with pytest.raises(Unprocessable) as raised, sessions.write() as session, session.begin():
            sqlite_batch.insert(
                session.connection(),
                SHARED,
                ids=new_ids(count),
                rows=rows,
                files=[None] * count,
                to_files=str,
                loc=["body", "data"],
            )
        with sessions.read() as session:
            assert _stored(session) == []  # the first chunk went with the transaction
        # The connection came back whole: the next batch writes as usual.
        with sessions.write() as session, session.begin():
            sqlite_batch.insert(
                session.connection(),
                SHARED,
                ids=new_ids(1),
                rows=[{"ok": True}],
                files=[None],
                to_files=str,
                loc=["body", "data"],
            )
        with sessions.read() as session:
            assert len(_stored(session)) == 1
    assert raised.value.detail[0]["loc"] == ["body", "data", bad]
