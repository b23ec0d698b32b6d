"""The settings for a command, or a one-line reason per bad variable and exit status 2."""

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from yardstick.config import Settings, get_settings
from yardstick.db.engine import sqlite_file
from yardstick.secret_box import MasterKeyError, secret_box


def load_settings() -> Settings:
    try:
        settings = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            typer.echo(
                f"error: YARDSTICK_{field}: {message}" if field else f"error: {message}", err=True
            )
        raise typer.Exit(2) from None
    _require_a_database_file(settings.database_url)
    return settings


def _require_a_database_file(url: str) -> None:
    """An in-memory SQLite database (`sqlite://`, `:memory:`) lives and dies with one
    connection: nothing a command writes there would outlast it, nor could the server and the
    commands share it. Refused like any URL we do not run on, rather than failing later in the
    engine's set-up with a traceback."""
    if make_url(url).get_backend_name() == "sqlite" and sqlite_file(url) is None:
        typer.echo(
            "error: YARDSTICK_DATABASE_URL: an in-memory SQLite database cannot be shared or "
            "kept; name a file (sqlite:///path)",
            err=True,
        )
        raise typer.Exit(2)


def check_master_key(settings: Settings) -> None:
    """Read (or make) the master key now, before anything else starts: a bad one stops the
    command in one line, as a bad setting does, not in a traceback once the database is made."""
    try:
        secret_box(settings)
    except MasterKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
