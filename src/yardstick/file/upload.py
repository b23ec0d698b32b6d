"""Streaming `multipart/form-data` upload for `POST /v5/files`.

`request.form()` spools every file part to a temporary file and hands it over only once the
whole body has arrived. Here the request stream is fed to python-multipart's push parser
(the one Starlette uses) and the `file` part's bytes go straight to a staging file in the data
directory: counted as they arrive, so a file over the limit is refused (413) the moment it
crosses it; hashed (md5) and written out in batches of about 1 MiB on a worker thread, so the
event loop never waits on the disk and memory stays flat whatever the file's size.

On any failure (too large, malformed body, client gone) the staging file is removed before the
error propagates. Only the first part named `file` is kept; other parts are read and dropped.
"""

import codecs
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

import anyio.to_thread
from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from yardstick.errors import BadRequest, PayloadTooLarge, Unprocessable
from yardstick.file.storage import BlobStore

FIELD = b"file"
DEFAULT_FILENAME = "upload"
DEFAULT_MIME_TYPE = "application/octet-stream"
_FLUSH_BYTES = 1024 * 1024
# RFC 6838 names are ASCII: a type that is not (`ü/ü`, read as latin-1) is guessed from the name.
_MIME_TYPE = re.compile(r"^[\w!#$&^.+-]+/[\w!#$&^.+-]+( *;[ \x21-\x7e]*)?$", re.ASCII)


@dataclass
class ReceivedFile:
    """An uploaded file on disk, at `path`: its staging file until the service commits it."""

    path: Path
    filename: str
    mime_type: str
    size: int
    md5_checksum: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class _Sink:
    """The staging file and the running md5 of what has been written to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.handle: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()

    def write(self, data: bytes) -> None:
        self.md5.update(data)
        self.handle.write(data)

    def close(self) -> None:
        self.handle.close()


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytes = b""
    header_value: bytes = b""
    is_target: bool = False


class _FilePartReader:
    """python-multipart callbacks that pick out the `file` part and buffer its bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.part = _Part()
        self.found: _Part | None = None
        self.complete = False
        self.size = 0
        self.buffer = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.part.header_name.strip().lower()] = self.part.header_value.strip()
        self.part.header_name = self.part.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition"))
        if options.get(b"name") == FIELD and self.found is None:
            self.part.is_target = True
            self.found = self.part

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.part.is_target:
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise PayloadTooLarge(f"file is larger than the limit of {self.max_bytes} bytes")
        self.buffer += data[start:end]

    def on_part_end(self) -> None:
        if self.part.is_target:
            self.complete = True

    def take(self) -> bytes:
        chunk = bytes(self.buffer)
        self.buffer.clear()
        return chunk


def _boundary(request: Request) -> bytes:
    media_type, params = parse_options_header(request.headers.get("content-type"))
    if media_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise Unprocessable(
            ["body", "file"], "expected a multipart/form-data body with a `file` part"
        )
    return params[b"boundary"]


# RFC 5987's `filename*=UTF-8''%E6%97%A5.txt`: RFC 7578 tells clients not to send it, some do,
# and the parser drops it.
_EXTENDED_FILENAME = re.compile(rb"filename\*\s*=\s*([A-Za-z0-9_-]*)'[^']*'([^;\s]+)")


def _filename(part: _Part) -> str:
    disposition = part.headers.get(b"content-disposition", b"")
    _, options = parse_options_header(disposition)
    raw = options.get(b"filename", b"").decode("utf-8", errors="replace")
    extended = _EXTENDED_FILENAME.search(disposition)
    if extended is not None:  # it wins over `filename`, as RFC 6266 has it
        charset = extended.group(1).decode("ascii") or "utf-8"
        try:
            codecs.lookup(charset)
        except LookupError:
            pass  # an unknown charset: `filename`, or the default name
        else:
            raw = unquote(extended.group(2).decode("latin-1"), encoding=charset, errors="replace")
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:1024] or DEFAULT_FILENAME


def _mime_type(part: _Part, filename: str) -> str:
    declared = part.headers.get(b"content-type", b"").decode("latin-1").strip()
    if declared and len(declared) <= 255 and _MIME_TYPE.match(declared):
        return declared
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or DEFAULT_MIME_TYPE


async def receive_file(
    request: Request, *, store: BlobStore, max_bytes: int, max_body: int
) -> ReceivedFile:
    """Stream the request's `file` part to a staging file; 413 past `max_bytes` of content."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"file is larger than the limit of {max_bytes} bytes")
    reader = _FilePartReader(max_bytes)
    try:
        parser = MultipartParser(_boundary(request), reader.callbacks())  # type: ignore[arg-type]
    except FormParserError as exc:
        raise BadRequest(f"invalid multipart body: {exc}") from exc
    sink = _Sink(await anyio.to_thread.run_sync(store.staging_path))
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if len(reader.buffer) >= _FLUSH_BYTES:
                await anyio.to_thread.run_sync(sink.write, reader.take())
        parser.finalize()
        if reader.buffer:
            await anyio.to_thread.run_sync(sink.write, reader.take())
        sink.close()
        if reader.found is None:
            raise Unprocessable(["body", "file"], "Field required", "missing")
        if not reader.complete:
            raise BadRequest("invalid multipart body: it ended inside the `file` part")
    except BaseException as exc:
        sink.close()
        sink.path.unlink(missing_ok=True)
        if isinstance(exc, FormParserError):
            raise BadRequest(f"invalid multipart body: {exc}") from exc
        raise
    filename = _filename(reader.found)
    return ReceivedFile(
        path=sink.path,
        filename=filename,
        mime_type=_mime_type(reader.found, filename),
        size=reader.size,
        md5_checksum=sink.md5.hexdigest(),
    )
