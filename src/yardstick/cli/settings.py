"""The settings for a command, or a one-line reason per bad variable and exit status 2."""

from pathlib import Path

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from yardstick.config import Settings, get_settings
from yardstick.db.engine import create_db_engine, sqlite_file
from yardstick.secret_box import MasterKeyError, key_file_path, secret_box


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
    command in one line, as a bad setting does, not in a traceback once the database is made.
    A key is made only for a database that holds nothing made with one: a lost key file (a new
    data volume) once got a new key without a word, every API key but the init one stopped
    matching, and secrets stored meanwhile were sealed under a key the old ones do not share."""
    key_file = key_file_path(settings)
    if settings.secret_key is None and not key_file.exists():
        held = _keyed_rows(settings.database_url)
        if held:
            typer.echo(
                f"error: the database holds {held} made with a master key, but its key file "
                f"{str(key_file)!r} is missing: restore it, or give the key in "
                "YARDSTICK_SECRET_KEY (a new key would leave them unreadable)",
                err=True,
            )
            raise typer.Exit(2)
    try:
        secret_box(settings)
    except MasterKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


# What a master key made: API keys' hashes (not the plain SHA-256 ones of `scheme` 1, made
# before there were master keys: a database of those has no key file to restore), credentials,
# account secrets.
_KEYED = (
    ("api_keys WHERE scheme <> 1", "API keys"),
    ("credentials", "credentials"),
    ("account_secrets", "secrets"),
)


def _keyed_rows(url: str) -> str | None:
    """Which kinds of rows made with the master key the database holds ("API keys and
    credentials"), or None: none, no database yet, or none reachable now (the command's own
    checks say so next)."""
    path = sqlite_file(url)
    if path is not None and not Path(path).exists():
        return None
    engine = create_db_engine(url)
    found = []
    try:
        with engine.connect() as connection:
            for rows, what in _KEYED:
                try:
                    row = connection.exec_driver_sql(f"SELECT 1 FROM {rows} LIMIT 1").first()
                except SQLAlchemyError:
                    connection.rollback()  # no such table or column: a database not migrated yet
                    continue
                if row is not None:
                    found.append(what)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return " and ".join(found) or None
