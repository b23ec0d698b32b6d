"""The engine relies on specifics of DBOS (yardstick.execution.engine): this fails loudly the
day an upgrade of DBOS changes one of them."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from yardstick.config import Settings
from yardstick.execution import engine


def test_the_installed_dbos_has_everything_the_engine_uses() -> None:
    engine.check_dbos(Settings())


def test_the_workflow_table_has_the_columns_the_engine_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    engine.migrate_engine(Settings(database_url=url))
    db = create_engine(url)
    try:
        engine.check_workflow_table(db)
    finally:
        db.dispose()


def test_a_missing_column_is_reported_by_name(tmp_path: Path) -> None:
    db = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with db.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE workflow_status (workflow_uuid TEXT)")
        with pytest.raises(engine.DBOSChanged, match="executor_id"):
            engine.check_workflow_table(db)
    finally:
        db.dispose()


def test_a_changed_signature_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from dbos import DBOS

    def renamed(cls: object, workers: list[str]) -> list[object]:
        return []

    monkeypatch.setattr(DBOS, "_recover_pending_workflows", classmethod(renamed))
    with pytest.raises(engine.DBOSChanged, match="_recover_pending_workflows lost"):
        engine.check_dbos(Settings())


def test_a_different_dbos_release_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "version", lambda _: "9.9.9")
    with pytest.raises(engine.DBOSChanged, match="dbos 9.9.9 is installed"):
        engine.check_dbos(Settings())


def test_dbos_sqlite_connections_sync_as_ours_do(tmp_path: Path) -> None:
    """WAL with synchronous=NORMAL, as yardstick.db.engine's: DBOS's writes of a run do not wait
    for the disk at every commit (SQLite's default, FULL, did)."""
    url = f"sqlite:///{tmp_path / 'y.db'}"
    kwargs = engine.dbos_config(Settings(database_url=url))["db_engine_kwargs"]
    dbos_engine = create_engine(url, **kwargs)
    try:
        with dbos_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL
    finally:
        dbos_engine.dispose()
