"""`yardstick datasets import FILE --name NAME`: load a JSONL or CSV file as a new dataset on a
running server.

One item per JSONL line (a JSON object) or per CSV row (header → keys, values as strings: the
header's names must differ, every row has as many fields as it, every quote is closed). Like
`evaluations export`, it is an HTTP client (remote.py: URL, API key, account) and never opens the
database: the first batch of rows creates the dataset (`POST /v5/datasets`), the following ones
are added to it (`POST /v5/dataset-items/batch`, each a new dataset version), so memory stays
bounded by one batch whatever the file's size.

A bad line or row imports nothing: the file is read through once to check it (and count its
items for the progress bar) before anything is sent. Should the server refuse a batch or stop
answering half-way, the partial dataset is archived. The new dataset's id is printed on stdout.
"""

import codecs
import csv
import gc
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from yardstick.cli.remote import (
    DEFAULT_URL,
    AccountIdOption,
    ApiKeyOption,
    Remote,
    RemoteError,
    UrlOption,
    describe,
    get_json,
    remote,
    send_json,
    unexpected,
)
from yardstick.kit.body import NOT_JSON, BodyProblem, check_storable, parse_json

datasets = typer.Typer(help="Manage datasets (on a running server).", no_args_is_help=True)
console = Console(stderr=True)

# A batch is sent once it holds this many items or this many bytes of JSON, whichever comes
# first (a single larger item goes alone): far below the server's body limit, and big enough
# that the requests cost little beside the inserts.
BATCH_ITEMS = 1000
BATCH_BYTES = 8 * 1024 * 1024
# A batch is one insert transaction; on SQLite it may first wait for another writer.
READ_TIMEOUT_SECONDS = 300.0
# httpx keeps each response (and its request, with the body) in a reference cycle, which only
# the cyclic collector frees; it runs on object counts, blind to a megabyte body. Collecting
# every few batches keeps what waits for it to a few batches' worth (~1 % of the time).
COLLECT_EVERY_BATCHES = 8
# Python's csv module refuses a field over 131,072 characters, a limit a JSONL line has not: the
# command lifts it to the largest value a C long holds everywhere (sys.maxsize overflows it on
# Windows), some 2 billion characters, so that the server's body limit decides, as it does for JSONL.
CSV_FIELD_LIMIT = 2**31 - 1


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


_SUFFIXES = {".jsonl": Format.jsonl, ".ndjson": Format.jsonl, ".csv": Format.csv}


class BadInput(Exception):
    pass


# A row, as (its line number in the file, its JSON encoding).
Row = tuple[int, bytes]


def _said(problem: BodyProblem) -> str:
    """A body problem's message, with where in the item it is."""
    if problem.msg.startswith(NOT_JSON):
        return f"not JSON ({problem.msg.removeprefix(NOT_JSON)})"
    where = ".".join(str(part) for part in problem.loc[1:])
    return f"{where}: {problem.msg}" if where else problem.msg


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1:  # a byte order mark, as Windows editors write (CSV reads past it too)
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            try:
                # As the server reads a body: what it could not store exactly is refused here,
                # before any batch is sent (an integer past 64 bits, a NUL, nesting too deep).
                row = parse_json(line)
            except BodyProblem as problem:
                raise BadInput(f"line {number}: {_said(problem)}") from None
            if not isinstance(row, dict):
                raise BadInput(f"line {number}: an item must be a JSON object")
            yield number, line.strip()


# What ends a line when a file is read with newline="" (as the csv module wants it).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        ended = False

        def lines() -> Iterator[str]:
            nonlocal ended
            yield from handle
            ended = True

        reader = csv.reader(lines())

        def unterminated(record: list[str]) -> BadInput | None:
            # The reader ends a record at the end of a line, unless the line ends inside a quoted
            # field: a record that took the file's end to finish has a last field whose quote is
            # never closed, and would keep the rest of the file as its value. (`strict=True`
            # refuses that too, but also `"a"b`, which is read as `ab` and stays so.)
            if not ended:
                return None
            # That field began on the line its line breaks count back to from the last one.
            value = record[-1] if record else ""
            start = reader.line_num - len(_LINE_BREAK.findall(value))
            if value.endswith(("\r", "\n")):
                start += 1
            return BadInput(
                f"line {start}: a quoted field is never closed (it runs to the end of the file)"
            )

        header = next(reader, None)
        if header is None:
            return
        if error := unterminated(header):
            raise error
        repeated = [name for name, count in Counter(header).items() if count > 1]
        if repeated:  # a dict would keep the last one's value alone
            names = ", ".join(repr(name) for name in repeated)
            raise BadInput(f"the header repeats column{'s' if len(repeated) > 1 else ''} {names}")
        number = reader.line_num + 1
        for record in reader:
            # Its first line; the next record's starts after its last one.
            start, number = number, reader.line_num + 1
            if error := unterminated(record):
                raise error
            if not record:  # a blank line
                continue
            if len(record) > len(header):
                raise BadInput(f"line {start}: more fields than the header has")
            if len(record) < len(header):
                raise BadInput(f"line {start}: fewer fields than the header has")
            row = dict(zip(header, record, strict=True))
            try:
                check_storable(row)  # a NUL, which no text column takes
            except BodyProblem as problem:
                raise BadInput(f"line {start}: {_said(problem)}") from None
            yield start, orjson.dumps(row)


def _rows(path: Path, file_format: Format) -> Iterator[Row]:
    try:
        yield from (_jsonl_rows(path) if file_format is Format.jsonl else _csv_rows(path))
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text: {exc}") from exc
    except csv.Error as exc:
        raise BadInput(f"not CSV: {exc}") from exc


def _count(path: Path, file_format: Format) -> int:
    """Check every line or row, keeping none of them; returns how many items there are."""
    count = sum(1 for _ in _rows(path, file_format))
    if count == 0:
        raise BadInput("no items in the file")
    return count


def _batches(rows: Iterator[Row], max_items: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    size = 0
    for row in rows:
        if batch and (len(batch) >= max_items or size + len(row[1]) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += len(row[1]) + 1
    if batch:
        yield batch


def _body(fields: dict[str, Any], batch: list[Row]) -> bytes:
    # The rows are JSON already (a JSONL line as it is in the file): spliced in, not re-encoded.
    data = orjson.Fragment(b"[" + b",".join(encoded for _, encoded in batch) + b"]")
    return orjson.dumps({**fields, "data": data})


def _refused(exc: RemoteError, server: Remote, batch: list[Row]) -> RemoteError:
    """A refused batch, with the server's item positions turned into the file's line numbers."""
    if exc.status != 422 or not isinstance(exc.detail, list):
        return exc
    parts = []
    for error in exc.detail:
        loc = error.get("loc") if isinstance(error, dict) else None
        if isinstance(loc, list) and loc[:2] == ["body", "data"] and len(loc) > 2:
            position = loc[2]
            if isinstance(position, int) and 0 <= position < len(batch):
                field = ".".join(str(part) for part in loc[3:])
                where = f"line {batch[position][0]}" + (f", {field}" if field else "")
                parts.append(f"{where}: {error.get('msg')}")
                continue
        parts.append(describe([error]))
    message = f"{server.url} answered 422: {'; '.join(parts)}"
    return RemoteError(message, status=exc.status, detail=exc.detail)


def _dataset(answer: Any, server: Remote) -> dict[str, Any]:
    """The dataset a create answered with; a RemoteError if the answer is not one (another
    server at that URL), before any later batch is sent to a dataset that is not there."""
    if not (
        isinstance(answer, dict)
        and isinstance(answer.get("id"), str)
        and isinstance(answer.get("name"), str)
    ):
        raise unexpected(server, f"got {str(answer)[:80]}", expected="a dataset")
    return answer


def _archive(client: httpx.Client, server: Remote, dataset_id: str) -> str:
    """Archive a partly imported dataset; says what became of it."""
    try:
        client.delete(f"/v5/datasets/{dataset_id}").raise_for_status()
    except httpx.HTTPError:
        return (
            f"the partial dataset {dataset_id} is left on {server.url}: archive it with "
            f"DELETE /v5/datasets/{dataset_id}"
        )
    return f"the partial dataset {dataset_id} was archived"


def _upload(
    client: httpx.Client,
    server: Remote,
    batches: Iterator[list[Row]],
    fields: dict[str, Any],
    progress: Progress,
    total: int,
) -> dict[str, Any]:
    """Send the batches; returns the new dataset."""
    bar = progress.add_task("importing", total=total)
    dataset: dict[str, Any] | None = None
    sent = 0
    try:
        for batch in batches:
            try:
                if dataset is None:
                    created = send_json(
                        client,
                        server,
                        "POST",
                        "/v5/datasets",
                        _body(fields, batch),
                        what="/v5/datasets route",
                    )
                    dataset = _dataset(created, server)
                else:
                    body = _body({"dataset_id": dataset["id"]}, batch)
                    send_json(
                        client,
                        server,
                        "POST",
                        "/v5/dataset-items/batch",
                        body,
                        what=f"dataset {dataset['id']!r}",
                        answer=False,  # the items it made: not needed
                    )
            except RemoteError as exc:
                raise _refused(exc, server, batch) from exc
            progress.advance(bar, len(batch))
            sent += 1
            if sent % COLLECT_EVERY_BATCHES == 0:
                gc.collect()
    except (RemoteError, BadInput) as exc:
        if dataset is None:
            raise
        message = f"{exc}; {_archive(client, server, dataset['id'])}"
        raise (RemoteError if isinstance(exc, RemoteError) else BadInput)(message) from exc
    except KeyboardInterrupt:
        if dataset is not None:
            note = _archive(client, server, dataset["id"])
            console.print(f"interrupted; {note}", markup=False, highlight=False, soft_wrap=True)
        raise
    assert dataset is not None  # the file has at least one item
    return dataset


@contextmanager
def _csv_field_limit() -> Iterator[None]:
    # The limit is the process's (csv.field_size_limit is global, and is read as each field is
    # parsed): set for the command's run, in which this is the only CSV reader, and put back
    # after it, so that a caller running the command in its own process keeps its own limit.
    previous = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _fail(message: str) -> typer.Exit:
    console.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


@datasets.command("import")
def import_dataset(
    path: Annotated[
        Path,
        typer.Argument(help="A .jsonl or .csv file: one item per line or row"),
    ],
    name: Annotated[str, typer.Option("--name", help="The new dataset's name")],
    file_format: Annotated[
        Format | None,
        typer.Option("--format", help="Input format (default: from the file's extension)"),
    ] = None,
    description: Annotated[str | None, typer.Option(help="The dataset's description")] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag for the dataset (repeatable)")
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", min=1, max=10_000, help="Items per request (each a dataset version)"
        ),
    ] = BATCH_ITEMS,
    url: UrlOption = DEFAULT_URL,
    api_key: ApiKeyOption = None,
    account_id: AccountIdOption = None,
) -> None:
    """Create a dataset on the server from a JSONL or CSV file and print its id."""
    try:  # one line, as every other failure is (typer's own check drew a box and exited 2)
        path.open("rb").close()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror or exc}") from exc
    file_format = file_format or _SUFFIXES.get(path.suffix.lower())
    if file_format is None:
        raise _fail(f"cannot tell the format of {path.name}; pass --format jsonl or --format csv")
    fields: dict[str, Any] = {"name": name, "description": description, "tags": tags or []}
    try:
        server = remote(url, api_key, account_id)
        with server.client(read_timeout=READ_TIMEOUT_SECONDS) as client, _csv_field_limit():
            # A wrong URL, key or account is said before a large file is read through.
            get_json(
                client, server, "/v5/datasets", what="/v5/datasets route", params={"limit": "1"}
            )
            try:
                total = _count(path, file_format)
            except BadInput as exc:
                raise _fail(f"{path.name}: {exc}") from exc
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
                # Only on a terminal: piped or logged, stderr holds the outcome alone.
                disable=not console.is_terminal,
            ) as progress:
                dataset = _upload(
                    client,
                    server,
                    _batches(_rows(path, file_format), batch_size),
                    fields,
                    progress,
                    total,
                )
    except RemoteError as exc:
        raise _fail(str(exc)) from exc
    except BadInput as exc:  # the file changed between the check and the upload
        raise _fail(f"{path.name}: {exc}") from exc
    console.print(
        f"imported {total} items into dataset {dataset['name']!r} ({dataset['id']})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    print(dataset["id"])
