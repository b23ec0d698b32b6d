"""A database error names the statement, never its parameters: its text reaches the logs, and
the parameters are the rows' prompts and answers."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from yardstick.db.engine import create_db_engine

SECRET = "the prompt of a customer's row"


def test_an_error_quotes_the_statement_without_its_parameters(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'y.db'}")
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError) as failed:
            connection.execute(text("INSERT INTO no_such_table VALUES (:value)"), {"value": SECRET})
    finally:
        engine.dispose()
    assert "INSERT INTO no_such_table" in str(failed.value)
    assert SECRET not in str(failed.value)
