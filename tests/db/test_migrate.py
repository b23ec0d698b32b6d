"""Upgrading a SQLite database that holds data (each test migrates its own file).

Alembic's batch mode changes a SQLite table by copying it and dropping the old copy; with
foreign keys on, that drop failed whenever another table's rows referred to the table, so a
database of the first versions holding one evaluation item never got past migration 0004.
"""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from yardstick.db.engine import WRITE_OPTION, create_db_engine
from yardstick.db.migrate import MigrationFailed, alembic_config, is_migrated, migrate

NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC).isoformat()
OLD = "0003_evaluations"  # the schema the first versions with evaluations wrote


def at_revision(path: Path, revision: str) -> Engine:
    engine = create_db_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
    return engine


def revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())


def add_evaluation(engine: Engine, *, evaluation_id: str, item_of: str) -> None:
    """An account, an evaluation and one item of `item_of`, in 0003's columns."""
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        connection.execute(
            text("INSERT OR IGNORE INTO accounts (id, created_at) VALUES ('team', :now)"),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO evaluations (id, account_id, name, tags, status, tasks, item_count, "
                "created_by_user_id, created_at, updated_at) VALUES (:id, 'team', 'old run', "
                "'[]', 'completed', '[]', 1, 'someone', :now, :now)"
            ),
            {"id": evaluation_id, "now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO evaluation_items (id, account_id, evaluation_id, data, created_at) "
                "VALUES (:id, 'team', :evaluation, '{\"q\": 1}', :now)"
            ),
            {"id": f"item-of-{evaluation_id}", "evaluation": item_of, "now": NOW},
        )


def test_a_database_of_the_first_versions_with_an_evaluation_upgrades(tmp_path: Path) -> None:
    engine = at_revision(tmp_path / "old.db", OLD)
    add_evaluation(engine, evaluation_id="e1", item_of="e1")

    migrate(engine)

    assert is_migrated(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT e.name, i.data FROM evaluation_items i "
                "JOIN evaluations e ON e.id = i.evaluation_id"
            )
        ).all()
        assert [tuple(row) for row in rows] == [("old run", '{"q": 1}')]
        # The connection went back to the pool with foreign keys on again.
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_migration_that_would_break_a_reference_changes_nothing(tmp_path: Path) -> None:
    """The keys are checked at the end instead, inside the migration's one transaction: an
    item whose evaluation is missing (written by hand, keys off) stops it, and the database
    stays at its old revision with its rows."""
    engine = at_revision(tmp_path / "old.db", OLD)
    add_evaluation(engine, evaluation_id="e1", item_of="e1")
    with sqlite3.connect(tmp_path / "old.db") as by_hand:  # foreign keys off, SQLite's default
        by_hand.execute("UPDATE evaluation_items SET evaluation_id = 'gone'")

    with pytest.raises(MigrationFailed, match="'evaluation_items'.*'evaluations' reference"):
        migrate(engine)

    assert revision(engine) == OLD
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM evaluation_items")).scalar() == 1
    engine.dispose()
