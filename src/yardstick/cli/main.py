"""The `yardstick` command."""

import asyncio
import gc
import signal
from types import FrameType
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from yardstick.auth.service import auth_service, generate_key
from yardstick.bootstrap import bootstrap
from yardstick.cli.datasets import datasets
from yardstick.cli.evaluations import evaluations
from yardstick.cli.export import export_evaluation
from yardstick.config import get_settings
from yardstick.db.engine import create_db_engine
from yardstick.db.migrate import migrate as run_migrations
from yardstick.db.session import SessionFactory
from yardstick.errors import Conflict
from yardstick.execution.engine import migrate_engine
from yardstick.execution.worker import run_worker
from yardstick.main import create_app
from yardstick.models import Account

app = typer.Typer(
    help="Yardstick: self-hostable LLM evaluation, SGP v5 compatible.", no_args_is_help=True
)
accounts = typer.Typer(help="Manage accounts.", no_args_is_help=True)
keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(accounts, name="accounts")
app.add_typer(keys, name="keys")
evaluations.command("export")(export_evaluation)
app.add_typer(evaluations, name="evaluations")
app.add_typer(datasets, name="datasets")
console = Console()


def _exit_after_stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind")] = 8000,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Serve the API only; `yardstick worker` runs evaluations"),
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log a line for every request")
    ] = True,
) -> None:
    """Run the API server and, unless --no-worker, the evaluation engine (migrating first)."""
    settings = get_settings()
    created = bootstrap(settings, create_db_engine(settings.database_url))
    if created is not None:
        console.print("[bold]Created a default account and API key (shown only this once):[/bold]")
        console.print(f"  SGP_ACCOUNT_ID={created.account_id}")
        console.print(f"  SGP_API_KEY={created.key}")
    application = create_app(settings, worker=not no_worker)
    # What start-up built lives as long as the process: freezing it keeps every full GC pass from
    # re-scanning it while request bodies of 1,000 rows churn the heap (-4.6 and -6.7 ms of server
    # CPU per 1,000-item batch in two paired runs of `python -m bench ingest`).
    gc.freeze()
    # uvicorn stops gracefully on SIGINT or SIGTERM (the lifespan drains the engine), then raises
    # the signal again for the handler it found installed: the defaults would make a clean stop
    # die of SIGTERM or end in a KeyboardInterrupt traceback. This one makes it exit status 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_after_stop)
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=access_log)


@app.command()
def worker() -> None:
    """Run the evaluation engine only (no HTTP); any number may share a PostgreSQL database."""
    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    bootstrap(settings, engine)
    console.print(f"worker {settings.worker_id!r} running; Ctrl-C to stop")
    asyncio.run(run_worker(settings, SessionFactory(engine)))


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = get_settings()
    run_migrations(create_db_engine(settings.database_url))
    migrate_engine(settings)
    console.print("database is migrated")


def _sessions() -> SessionFactory:
    engine = create_db_engine(get_settings().database_url)
    run_migrations(engine)
    return SessionFactory(engine)


@accounts.command("create")
def create_account(account_id: Annotated[str, typer.Argument(help="The new account's id")]) -> None:
    """Create an account."""
    with _sessions().write() as session, session.begin():
        try:
            auth_service.create_account(session, account_id=account_id)
        except Conflict as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(1) from exc
    console.print(f"created account {account_id}")


@keys.command("create")
def create_key(
    account: Annotated[str, typer.Option("--account", help="The account the key is for")],
    name: Annotated[str, typer.Option("--name", help="A label for the key")] = "",
) -> None:
    """Create an API key for an account and print it (it is not shown again)."""
    key = generate_key()
    with _sessions().write() as session, session.begin():
        if session.get(Account, account) is None:
            console.print(
                f"[red]no account {account!r}; create it with `yardstick accounts create`[/red]"
            )
            raise typer.Exit(1)
        auth_service.add_key(session, account_id=account, key=key, name=name)
    print(key)
