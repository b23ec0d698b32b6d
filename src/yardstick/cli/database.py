"""How the commands that open the database (`serve`, `worker`, `migrate`, `accounts`, `keys`)
find it.

Only `serve` and `migrate` may create a database: opening a SQLite file that does not exist
creates it, so the others look first and stop with one line. Nor may they lay Yardstick's
tables into a database that has none (an empty SQLite file, or a PostgreSQL database such as
`postgres`, named by mistake): the migrations would make it one. A database that cannot be
reached (a PostgreSQL server that is down, a wrong password) is one line too, not a traceback.
"""

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from yardstick.bootstrap import BootstrapRefused
from yardstick.config import Settings
from yardstick.db.engine import create_db_engine, sqlite_file
from yardstick.db.migrate import MigrationFailed

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


def open_database(settings: Settings, *, application_name: str | None = None) -> Engine:
    """The engine of an existing Yardstick database (see `require_database`); exit 1 when the
    database holds no Yardstick schema at all (an older one is upgraded by the caller)."""
    require_database(settings)
    engine = create_db_engine(settings.database_url, application_name=application_name)
    if reachable(settings, lambda: _revision(engine)) is None:
        engine.dispose()
        raise fail(f"no Yardstick database at {_where(settings)}; run `yardstick migrate` first")
    return engine


def _revision(engine: Engine) -> str | None:
    """The schema's migration revision; None where no migration ever ran."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _where(settings: Settings) -> str:
    """The database as a message names it: a SQLite file's path, else the URL sans password."""
    path = sqlite_file(settings.database_url)
    if path is not None:
        return str(path.absolute())
    return make_url(settings.database_url).render_as_string(hide_password=True)


def reachable(settings: Settings, work: Callable[[], T]) -> T:
    """`work()`, with a database that cannot be reached said in one line (exit 1)."""
    try:
        return work()
    except BootstrapRefused as exc:
        raise fail(str(exc)) from exc
    except MigrationFailed as exc:
        raise fail(f"cannot migrate the database: {exc}") from exc
    except DatabaseError as exc:
        # OperationalError: down, refused, a wrong password; a plain DatabaseError: a file that
        # is not a database. Other kinds (integrity, programming) are faults, not the database.
        if not isinstance(exc, OperationalError) and type(exc) is not DatabaseError:
            raise
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise fail(f"cannot open the database at {where}: {reason}") from exc
