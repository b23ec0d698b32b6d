"""`yardstick evaluations watch ID`: a live progress bar for a run on a running server, then its
summary (counts, errors, results, latency, tokens per alias).

Like `evaluations export`, it is an HTTP client (remote.py: URL, API key, account): it polls
`GET /v5/evaluations/{id}` until the evaluation stops running, then reads its
`GET /v5/evaluations/{id}/summary`. A watch can last hours, so it outlives a short outage (a
server restarting, a proxy's 502): once the server has answered, a request that fails that way
is asked again every interval, for up to PATIENCE_SECONDS.
"""

import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yardstick.cli.remote import (
    DEFAULT_URL,
    AccountIdOption,
    ApiKeyOption,
    Remote,
    RemoteError,
    Unavailable,
    UrlOption,
    get_json,
    remote,
    unexpected,
)
from yardstick.cli.summary_view import summary_tables

evaluations = typer.Typer(help="Follow and export evaluations.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

# How long a watch keeps asking through an outage before it gives up.
PATIENCE_SECONDS = 300.0
# Archiving is one of the ways a watched run ends, so an archived evaluation is still shown.
ARCHIVED = {"include_archived": "true"}

T = TypeVar("T")


def _say(message: str, style: str) -> None:
    # Plain text: URLs and server messages may hold brackets that rich would read as markup.
    console.print(message, style=style, markup=False, highlight=False, soft_wrap=True)


def _patiently(ask: Callable[[], T], interval: float) -> T:
    """`ask()`, again every `interval` while the server is unavailable (said once per outage)."""
    outage_since: float | None = None
    while True:
        try:
            answer = ask()
        except Unavailable as exc:
            if outage_since is None:
                outage_since = time.monotonic()
                _say(f"{exc}; retrying", "yellow")
            elif time.monotonic() - outage_since > PATIENCE_SECONDS:
                raise RemoteError(f"{exc} (gave up after {PATIENCE_SECONDS:g} s)") from exc
            time.sleep(interval)
            continue
        if outage_since is not None:
            _say("the server answers again", "green")
        return answer


def _follow(ask: Callable[[], dict[str, Any]], interval: float) -> dict[str, Any]:
    """Show the evaluation's progress until it stops running; returns its last state."""
    # Not retried: a wrong URL or a server that is down should fail at once.
    evaluation = ask()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]} · cell errors {task.fields[errors]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task(escape(evaluation["name"]), failed=0, errors=0)
        while True:
            items = evaluation["progress"]["items"]
            progress.update(
                bar,
                total=items["total"],
                completed=items["successful"] + items["failed"],
                failed=items["failed"],
                errors=evaluation["error_count"],
            )
            if evaluation["status"] != "running" or evaluation["archived_at"] is not None:
                return evaluation
            time.sleep(interval)
            evaluation = _patiently(ask, interval)


def _watch(client: httpx.Client, server: Remote, evaluation_id: str, interval: float) -> str:
    """Follow the evaluation, then print its state and summary; returns its status (an
    evaluation archived while running is `failed`)."""
    path = f"/v5/evaluations/{quote(evaluation_id, safe='')}"
    what = f"evaluation {evaluation_id!r}"
    evaluation = _follow(
        lambda: get_json(client, server, path, what=what, params=ARCHIVED), interval
    )
    state: str = "archived" if evaluation["archived_at"] is not None else evaluation["status"]
    reason = evaluation["status_reason"]
    _say(f"{evaluation['name']}: {state}" + (f" ({reason})" if reason else ""), "bold")
    summary = _patiently(
        lambda: get_json(client, server, f"{path}/summary", what=what, params=ARCHIVED), interval
    )
    console.print(summary_tables(summary))
    status: str = evaluation["status"]
    return status


@evaluations.command("watch")
def watch(
    evaluation_id: Annotated[str, typer.Argument(help="The evaluation to follow")],
    interval: Annotated[
        float, typer.Option(help="Seconds between refreshes", min=0.05, max=3600)
    ] = 1.0,
    url: UrlOption = DEFAULT_URL,
    api_key: ApiKeyOption = None,
    account_id: AccountIdOption = None,
) -> None:
    """Show a live progress bar until the evaluation is no longer running, then its summary."""
    try:
        server = remote(url, api_key, account_id)
        with server.client() as client:
            try:
                status = _watch(client, server, evaluation_id, interval)
            except (KeyError, TypeError, AttributeError) as exc:
                found = f"{type(exc).__name__}: {exc}"
                raise unexpected(server, found, expected="an evaluation and its summary") from exc
    except RemoteError as exc:
        errors.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    if status == "failed":
        raise typer.Exit(1)
