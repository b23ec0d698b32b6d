"""Encoders: pages of item lines (each item's JSON text, as GET renders it) in, the bytes of a
file out, one chunk per page.

A page source is a callable returning a fresh iterator of pages, so the two-pass formats (CSV,
Parquet: see `columns`) can read the rows twice. Every encoder is a generator: nothing is read
before the response asks for its first chunk, and nothing outlives the page it came from.
"""

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

import orjson

from yardstick.export.columns import Row, collect, text, value_at

Lines = Callable[[], Iterator[list[str]]]
Rows = Callable[[], Iterator[list[Row]]]
FileFormat = Literal["json", "jsonl", "csv", "parquet"]

MEDIA_TYPES: dict[FileFormat, str] = {
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def jsonl(lines: Lines) -> Iterator[bytes]:
    """One JSON object per line, each line ended by `\\n`."""
    for page in lines():
        # The last line's end joined in too: a page is copied once to text, once to bytes.
        yield "\n".join([*page, ""]).encode()


def json_array(lines: Lines) -> Iterator[bytes]:
    """One JSON array of the rows."""
    separator = "["
    for page in lines():
        yield (separator + ",".join(page)).encode()
        separator = ","
    yield b"[]" if separator == "[" else b"]"


def parsed(lines: Lines) -> Rows:
    """The rows as values, for the formats that flatten them into columns."""

    def rows() -> Iterator[list[Row]]:
        for page in lines():
            yield [orjson.loads(line) for line in page]

    return rows


def csv_rows(rows: Rows, aliases: Sequence[str]) -> Iterator[bytes]:
    """RFC 4180 CSV (`\\r\\n` line ends, quoted where needed), UTF-8, a header row first."""
    columns = collect(rows(), aliases)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.name for column in columns])
    paths = [column.path for column in columns]
    for page in rows():
        writer.writerows([text(value_at(row, path)) for path in paths] for row in page)
        yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    chunk = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return chunk


def encode(file_format: FileFormat, lines: Lines, aliases: Sequence[str]) -> Iterator[bytes]:
    if file_format == "jsonl":
        return jsonl(lines)
    if file_format == "json":
        return json_array(lines)
    if file_format == "csv":
        return csv_rows(parsed(lines), aliases)
    # pyarrow is imported only when a Parquet file is asked for: it costs start-up time and
    # memory that a server which never writes one should not pay.
    from yardstick.export.parquet import parquet_file

    return parquet_file(parsed(lines), aliases)


def inline(filename: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """SGP's direct export, `{"filename", "content", "signed_url": null}`, streamed: the file's
    text is escaped chunk by chunk (JSON escapes each character on its own, so escaped chunks
    join into the escaped whole), so the server never holds the whole file."""
    yield b'{"filename":' + orjson.dumps(filename) + b',"content":"'
    for chunk in chunks:
        # Chunks end on row boundaries, never inside a UTF-8 sequence.
        yield orjson.dumps(chunk.decode())[1:-1]
    yield b'","signed_url":null}'


def content_disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'
