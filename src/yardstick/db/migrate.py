"""Apply Alembic migrations, safely when several processes start at once.

On PostgreSQL a session-level advisory lock serialises concurrent `serve`/`worker` starts; on
SQLite the migration runs under `BEGIN IMMEDIATE`, which does the same.
"""

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from yardstick.db.engine import WRITE_OPTION

_PG_LOCK_KEY = 0x59415244  # "YARD"


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
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


def is_migrated(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
