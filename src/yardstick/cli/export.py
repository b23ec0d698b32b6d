"""`yardstick evaluations export ID --format jsonl|csv|parquet -o FILE`: download an evaluation's
items from a running server (`GET /v5/evaluations/{id}/export`).

The body is written as it arrives, so memory stays flat whatever the evaluation's size. It goes
to `FILE.part` first and is renamed only once complete: a download that breaks off (server gone,
network) leaves no file that looks finished.
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import httpx
import typer
from rich.console import Console

from yardstick.cli.remote import (
    DEFAULT_URL,
    AccountIdOption,
    ApiKeyOption,
    Remote,
    RemoteError,
    UrlOption,
    explain,
    no_answer,
    remote,
)

console = Console(stderr=True)


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


def _download(
    server: Remote,
    evaluation_id: str,
    file_format: Format,
    include_archived: bool,
    output: Path | None,
) -> str:
    path = f"/v5/evaluations/{quote(evaluation_id, safe='')}/export"
    params = {"format": file_format.value, "include_archived": str(include_archived).lower()}
    # No read timeout: CSV and Parquet read the evaluation once before their first byte.
    with server.client(read_timeout=None) as client:
        try:
            with client.stream("GET", path, params=params) as response:
                if response.status_code != 200:
                    response.read()
                    raise explain(response, server, what=f"evaluation {evaluation_id!r}")
                if output is None or str(output) != "-":
                    target = output or Path(f"evaluation-{evaluation_id}.{file_format.value}")
                    return _write_file(response, target)
                size = 0
                for chunk in response.iter_bytes():
                    sys.stdout.buffer.write(chunk)
                    size += len(chunk)
                sys.stdout.buffer.flush()
                return f"wrote {size:,} bytes to stdout"
        except httpx.TransportError as exc:
            raise no_answer(server, exc) from exc  # worded as every command words it
        except OSError as exc:  # no such directory, a full disk, a closed stdout
            where = "stdout" if output is not None and str(output) == "-" else exc.filename
            raise RemoteError(f"cannot write {where or 'the file'}: {exc.strerror or exc}") from exc


def _write_file(response: httpx.Response, target: Path) -> str:
    partial = target.with_name(target.name + ".part")
    size = 0
    try:
        with partial.open("wb") as handle:
            for chunk in response.iter_bytes():
                handle.write(chunk)
                size += len(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return f"wrote {size:,} bytes to {target}"


def export_evaluation(
    evaluation_id: Annotated[str, typer.Argument(help="The evaluation to export")],
    file_format: Annotated[Format, typer.Option("--format", help="File format")] = Format.jsonl,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File to write ('-': stdout; default: evaluation-ID.FORMAT here)",
        ),
    ] = None,
    include_archived: Annotated[
        bool, typer.Option("--include-archived", help="Allow an archived evaluation")
    ] = False,
    url: UrlOption = DEFAULT_URL,
    api_key: ApiKeyOption = None,
    account_id: AccountIdOption = None,
) -> None:
    """Download every item of an evaluation, with results, as JSONL, CSV or Parquet."""
    try:
        if output is not None and output.is_dir():  # one line, as every other failure is
            raise RemoteError(f"cannot write {output}: it is a directory")
        message = _download(
            remote(url, api_key, account_id), evaluation_id, file_format, include_archived, output
        )
    except RemoteError as exc:
        console.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(message, markup=False, highlight=False, soft_wrap=True)
