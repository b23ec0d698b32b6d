"""How the commands that open the database (`serve`, `worker`, `migrate`, `accounts`, `keys`)
find it.

Only `serve` and `migrate` may create a database: opening a SQLite file that does not exist
creates it, so the others look first and stop with one line. A database that cannot be reached
(a PostgreSQL server that is down, a wrong password) is one line too, not a traceback.
"""

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from yardstick.config import Settings
from yardstick.db.engine import create_db_engine, sqlite_file

errors = Console(stderr=True)

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    """Say `message` on stderr, in one line; the caller raises what this returns (exit 1)."""
    errors.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


def require_database(settings: Settings) -> None:
    """Stop (exit 1) if the settings name a SQLite file that does not exist, creating nothing."""
    path = sqlite_file(settings.database_url)
    if path is not None and not path.is_file():
        raise fail(f"no database at {path.absolute()}; run `yardstick migrate` first")


def open_database(settings: Settings) -> Engine:
    """The engine of an existing database (see `require_database`)."""
    require_database(settings)
    return create_db_engine(settings.database_url)


def reachable(settings: Settings, work: Callable[[], T]) -> T:
    """`work()`, with a database that cannot be reached said in one line (exit 1)."""
    try:
        return work()
    except DatabaseError as exc:
        # OperationalError: down, refused, a wrong password; a plain DatabaseError: a file that
        # is not a database. Other kinds (integrity, programming) are faults, not the database.
        if not isinstance(exc, OperationalError) and type(exc) is not DatabaseError:
            raise
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise fail(f"cannot open the database at {where}: {reason}") from exc
