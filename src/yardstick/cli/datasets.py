"""`yardstick datasets import FILE --name NAME`: load a JSONL or CSV file as a new dataset.

One item per JSONL line (a JSON object) or per CSV row (header → keys, values as strings).
The rows go through the dataset service, exactly as a `POST /v5/datasets` would, in one
transaction: a bad line or row imports nothing. The new dataset's id is printed on stdout.
"""

import csv
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console

from yardstick.auth.service import Principal
from yardstick.bootstrap import DEFAULT_ACCOUNT_ID
from yardstick.config import get_settings
from yardstick.dataset.schemas import DatasetCreate
from yardstick.dataset.service import dataset_service
from yardstick.db.engine import create_db_engine
from yardstick.db.migrate import migrate
from yardstick.db.session import SessionFactory
from yardstick.errors import AppError
from yardstick.models import Account

datasets = typer.Typer(help="Manage datasets.", no_args_is_help=True)
console = Console(stderr=True)

# Recorded as the datasets' `created_by_user_id`: no API key made them.
CLI_USER_ID = "cli"


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


_SUFFIXES = {".jsonl": Format.jsonl, ".ndjson": Format.jsonl, ".csv": Format.csv}


class BadInput(Exception):
    pass


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise BadInput(f"line {number}: not JSON ({exc})") from exc
            if not isinstance(row, dict):
                raise BadInput(f"line {number}: an item must be a JSON object")
            yield row


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if None in row:
                raise BadInput(f"line {reader.line_num}: more fields than the header has")
            yield row


def _read(path: Path, file_format: Format) -> list[dict[str, Any]]:
    try:
        rows = list(_jsonl_rows(path) if file_format is Format.jsonl else _csv_rows(path))
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text: {exc}") from exc
    except csv.Error as exc:
        raise BadInput(f"not CSV: {exc}") from exc
    if not rows:
        raise BadInput("no items in the file")
    return rows


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@datasets.command("import")
def import_dataset(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="A .jsonl or .csv file: one item per line or row",
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="The new dataset's name")],
    account: Annotated[
        str | None,
        typer.Option(
            help="Account to import into (default: YARDSTICK_INIT_ACCOUNT_ID, else `default`)"
        ),
    ] = None,
    file_format: Annotated[
        Format | None,
        typer.Option("--format", help="Input format (default: from the file's extension)"),
    ] = None,
    description: Annotated[str | None, typer.Option(help="The dataset's description")] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag for the dataset (repeatable)")
    ] = None,
) -> None:
    """Create a dataset from a JSONL or CSV file and print its id."""
    settings = get_settings()
    account_id = account or settings.init_account_id or DEFAULT_ACCOUNT_ID
    file_format = file_format or _SUFFIXES.get(path.suffix.lower())
    if file_format is None:
        raise _fail(f"cannot tell the format of {path.name}; pass --format jsonl or --format csv")
    try:
        body = DatasetCreate(
            name=name, data=_read(path, file_format), description=description, tags=tags or []
        )
    except BadInput as exc:
        raise _fail(f"{path.name}: {exc}") from exc
    except ValidationError as exc:
        raise _fail(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from exc

    engine = create_db_engine(settings.database_url)
    migrate(engine)
    with SessionFactory(engine).write() as session, session.begin():
        if session.get(Account, account_id) is None:
            raise _fail(f"no account {account_id!r}; create it with `yardstick accounts create`")
        principal = Principal(account_id=account_id, user_id=CLI_USER_ID)
        try:
            dataset, items = dataset_service.create(session, principal, body=body)
        except AppError as exc:
            raise _fail(f"{path.name}: {exc.detail}") from exc
    console.print(f"imported {len(items)} items into dataset {dataset.name!r} ({dataset.id})")
    print(dataset.id)
