"""`yardstick evaluations watch ID`: a live progress bar for a run, read from the database, then
its summary (counts, errors, results, latency, tokens per alias)."""

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yardstick.cli.summary_view import summary_tables
from yardstick.config import get_settings
from yardstick.db.engine import create_db_engine
from yardstick.db.session import SessionFactory
from yardstick.evaluation.progress import progress_of
from yardstick.evaluation.summary import evaluation_summary_service
from yardstick.models import Evaluation

evaluations = typer.Typer(help="Follow evaluations.", no_args_is_help=True)
console = Console()


def _snapshot(sessions: SessionFactory, evaluation_id: str) -> tuple[Evaluation, dict[str, int], int] | None:
    with sessions.read() as session:
        evaluation = session.get(Evaluation, evaluation_id)
        if evaluation is None:
            return None
        summary = progress_of(session, [evaluation])[evaluation.id]
        return evaluation, summary["progress"]["items"], summary["error_count"]


@evaluations.command("watch")
def watch(
    evaluation_id: Annotated[str, typer.Argument(help="The evaluation to follow")],
    interval: Annotated[float, typer.Option(help="Seconds between refreshes")] = 1.0,
) -> None:
    """Show a live progress bar until the evaluation is no longer running."""
    sessions = SessionFactory(create_db_engine(get_settings().database_url))
    first = _snapshot(sessions, evaluation_id)
    if first is None:
        console.print(f"[red]no evaluation {evaluation_id!r}[/red]")
        raise typer.Exit(1)
    evaluation, items, errors = first
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]} · cell errors {task.fields[errors]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task(evaluation.name, total=items["total"], failed=0, errors=0)
        while True:
            done = items["successful"] + items["failed"]
            progress.update(bar, completed=done, failed=items["failed"], errors=errors)
            if evaluation.status != "running" or evaluation.archived_at is not None:
                break
            time.sleep(interval)
            snapshot = _snapshot(sessions, evaluation_id)
            if snapshot is None:
                break
            evaluation, items, errors = snapshot
    state = "archived" if evaluation.archived_at is not None else evaluation.status
    console.print(f"{evaluation.name}: {state}" + (f" ({evaluation.status_reason})" if evaluation.status_reason else ""))
    # The same figures as GET /v5/evaluations/{id}/summary, from the same service function.
    with sessions.read() as session:
        console.print(summary_tables(evaluation_summary_service.summarize(session, evaluation)))
    if state == "failed":
        raise typer.Exit(1)
