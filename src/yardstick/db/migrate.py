"""Apply Alembic migrations, safely when several processes start at once.

On PostgreSQL a session-level advisory lock serialises concurrent `serve`/`worker` starts; on
SQLite the migration runs under `BEGIN IMMEDIATE`, which does the same. Migrations go forward
only; each runs in the one transaction of the start, so a failure leaves the database as it was.
"""

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from yardstick.db.engine import WRITE_OPTION

_PG_LOCK_KEY = 0x59415244  # "YARD"


class MigrationFailed(Exception):
    """A migration that would leave the database inconsistent: rolled back, said in one line."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("yardstick") / "migrations"))
    config.set_main_option(
        "file_template", "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    return config


def migrate(engine: Engine) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                connection.commit()
            return
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection:
        # SQLite changes a table by copying it (Alembic's batch mode) and dropping the old copy,
        # which foreign keys refuse while other tables' rows refer to it: every database holding
        # an evaluation item failed at 0004. The pragma does nothing inside a transaction, so it
        # is set on the driver's connection before one begins, and the migrations' transaction
        # checks the keys at its end instead (`check_references`, from env.py).
        driver = connection.connection.dbapi_connection
        assert driver is not None  # checked out, so open
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")  # the migrations' transaction ends in check_references
            connection.commit()
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


def check_references(connection: Connection) -> None:
    """SQLite, at the end of the migrations' transaction: every reference still holds, or the
    transaction is rolled back (raised inside it, this rolls it back)."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        raise MigrationFailed(
            f"the migrated table {broken[0]!r} holds a row (rowid {broken[1]}) whose "
            f"{broken[2]!r} reference is missing; nothing was changed"
        )


def is_migrated(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
