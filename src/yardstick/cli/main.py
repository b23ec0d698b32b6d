"""The `yardstick` command.

`serve`, `worker`, `migrate`, `accounts` and `keys` open the database (YARDSTICK_DATABASE_URL);
only `serve` and `migrate` may create it. `datasets` and `evaluations` talk to a running server
over HTTP (remote.py) and never open a database. What a command needs is imported when it runs:
the server's modules take seconds to import, and an HTTP command should start at once.
"""

import signal
import socket
import sys
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from yardstick.cli.compare import compare
from yardstick.cli.datasets import datasets
from yardstick.cli.evaluations import evaluations
from yardstick.cli.export import export_evaluation
from yardstick.cli.keys import accounts, keys

app = typer.Typer(
    help="Yardstick: self-hostable LLM evaluation, SGP v5 compatible.", no_args_is_help=True
)
app.add_typer(accounts, name="accounts")
app.add_typer(keys, name="keys")
evaluations.command("export")(export_evaluation)
app.add_typer(evaluations, name="evaluations")
app.add_typer(datasets, name="datasets")
app.command("compare")(compare)
console = Console()

if TYPE_CHECKING:
    from yardstick.bootstrap import Started


def _exit_after_stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind", min=1, max=65535)] = 8000,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Serve the API only; `yardstick worker` runs evaluations"),
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log a line for every request")
    ] = True,
    processes: Annotated[
        int,
        typer.Option(
            help="Processes answering the API on the port, each on a core of its own; "
            "the first runs the engine",
            min=1,
            max=64,
        ),
    ] = 1,
    # An API process of `--processes`: the `serve` whose port it shares, and dies with.
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Run the API server and, unless --no-worker, the evaluation engine (migrating first)."""
    import uvicorn

    from yardstick.bootstrap import bootstrap
    from yardstick.cli.api_processes import ApiProcesses
    from yardstick.cli.database import reachable
    from yardstick.cli.private_files import keep_private
    from yardstick.cli.quiet_server import STARTUP_FAILURE, QuietServer
    from yardstick.cli.settings import check_master_key, load_settings
    from yardstick.db.engine import create_db_engine
    from yardstick.kit.parent_watch import exit_without
    from yardstick.main import create_app
    from yardstick.ops.gc_pacing import pace_gc
    from yardstick.scoring.service import prestart_scorer

    if processes > 1 and sys.platform != "linux":
        # Elsewhere SO_REUSEPORT lets the last process bound take every connection.
        typer.echo("error: --processes above 1 needs Linux (SO_REUSEPORT)", err=True)
        raise typer.Exit(2)
    # Bound first: a port in use ends the start here, before the engine below takes any work
    # (it took chunks, and repeated their calls, then exited when uvicorn could not bind).
    listening = _listening(host, port, shared=processes > 1 or parent_pid is not None)
    if parent_pid is not None:
        exit_without(parent_pid)
    settings = load_settings()
    keep_private(settings)
    check_master_key(settings)
    # May create the database (a SQLite file): serving a new installation starts here.
    started = reachable(
        settings, lambda: bootstrap(settings, create_db_engine(settings.database_url))
    )
    if not no_worker and settings.scoring_prewarm:
        prestart_scorer()  # its processes start up while the app below is imported
    _warn_revoked_init_key(started)
    created = started.created
    if created is not None:
        console.print("[bold]Created a default account and API key (shown only this once):[/bold]")
        console.print(f"  SGP_ACCOUNT_ID={created.account_id}")
        console.print(f"  SGP_API_KEY={created.key}")
    application = create_app(settings, worker=not no_worker)
    pace_gc()
    # uvicorn stops gracefully on SIGINT or SIGTERM (the lifespan drains the engine), then raises
    # the signal again for the handler it found installed: the defaults would make a clean stop
    # die of SIGTERM or end in a KeyboardInterrupt traceback. This one makes it exit status 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_after_stop)
    config = uvicorn.Config(
        application, host=host, port=port, log_level="info", access_log=access_log
    )
    server = QuietServer(config)
    # Started once the database is migrated and this process is about to listen.
    more = ApiProcesses(processes - 1, host=host, port=port, access_log=access_log)
    more.start()
    try:
        server.run(sockets=[listening])
    finally:
        more.stop()
    if not server.started:  # as uvicorn.run: a start that failed exits 3
        sys.exit(STARTUP_FAILURE)


def _listening(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A socket bound to host:port, as uvicorn binds one (SO_REUSEADDR); one line and status 1
    when it cannot be. `shared`: `--processes`'s, each process binding one (SO_REUSEPORT), and
    the kernel spreads the connections among them. (One socket handed down to all was accepted
    from by whichever process woke first, which took every connection waiting: 8 clients'
    connections went mostly to one process, and two took 10,100 spans/s where 12,500 spread.)"""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        typer.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    sock.set_inheritable(True)
    return sock


def _warn_revoked_init_key(started: "Started") -> None:
    """The configured init key was revoked (`yardstick keys revoke`): the start goes on, as
    other keys may be in use, but says that one is refused."""
    if started.init_key_revoked_at is not None:
        when = started.init_key_revoked_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"warning: YARDSTICK_INIT_API_KEY was revoked at {when} UTC and stays refused: "
            "set a new one to log in with it",
            err=True,
        )


@app.command()
def worker() -> None:
    """Run the evaluation engine only (no HTTP); any number may share a PostgreSQL database."""
    import asyncio

    from yardstick.bootstrap import bootstrap
    from yardstick.cli.database import open_database, reachable
    from yardstick.cli.private_files import keep_private
    from yardstick.cli.settings import check_master_key, load_settings
    from yardstick.db.engine import create_db_engine
    from yardstick.db.session import SessionFactory
    from yardstick.execution.worker import run_worker
    from yardstick.execution.worker_sessions import application_name
    from yardstick.ops.gc_pacing import pace_gc
    from yardstick.ops.metrics import MetricsPortUnavailable
    from yardstick.scoring.service import prestart_scorer

    settings = load_settings()
    keep_private(settings)
    # Never creates the database: a worker pointed at the wrong place must not start on an
    # empty one of its own (nor make a key file for it: the key is checked after).
    setup = open_database(settings)
    check_master_key(settings)
    _warn_revoked_init_key(reachable(settings, lambda: bootstrap(settings, setup)))
    setup.dispose()
    # Named after the worker only from here, where its first beat comes within moments: a
    # take-over ends the sessions of that name while the worker's last beat is stale, and so
    # ended those of a worker restarted under its id while it was still migrating (seconds).
    engine = create_db_engine(
        settings.database_url, application_name=application_name(settings.worker_id)
    )
    if settings.scoring_prewarm:
        prestart_scorer()
    pace_gc()

    def running() -> None:
        console.print(f"worker {settings.worker_id!r} running; Ctrl-C to stop")

    try:
        asyncio.run(run_worker(settings, SessionFactory(engine), on_running=running))
    except MetricsPortUnavailable as exc:  # before the engine starts: no work was taken
        typer.echo(f"error: YARDSTICK_METRICS_PORT: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Apply database migrations (creating the database if it is a SQLite file not there yet)."""
    from yardstick.cli.database import reachable
    from yardstick.cli.settings import load_settings
    from yardstick.db.engine import create_db_engine
    from yardstick.db.migrate import migrate as run_migrations
    from yardstick.execution.engine import migrate_engine

    settings = load_settings()

    def work() -> None:
        run_migrations(create_db_engine(settings.database_url))
        migrate_engine(settings)

    reachable(settings, work)
    console.print("database is migrated")
