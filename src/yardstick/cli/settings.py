"""The settings for a command, or a one-line reason per bad variable and exit status 2."""

import typer
from pydantic import ValidationError

from yardstick.config import Settings, get_settings
from yardstick.secret_box import MasterKeyError, secret_box


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            typer.echo(
                f"error: YARDSTICK_{field}: {message}" if field else f"error: {message}", err=True
            )
        raise typer.Exit(2) from None


def check_master_key(settings: Settings) -> None:
    """Read (or make) the master key now, before anything else starts: a bad one stops the
    command in one line, as a bad setting does, not in a traceback once the database is made."""
    try:
        secret_box(settings)
    except MasterKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
