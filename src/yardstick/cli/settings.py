"""The settings for a command, or a one-line reason per bad variable and exit status 2."""

import typer
from pydantic import ValidationError

from yardstick.config import Settings, get_settings


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
