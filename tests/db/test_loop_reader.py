"""The event loop's own SQLite engine (yardstick.db.engine.loop_reader): it reads beside the
main engine, never waits for its pool, and refuses writes."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from yardstick.db.engine import create_db_engine, loop_reader


def test_it_reads_while_the_main_pool_is_taken_and_refuses_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    main = create_db_engine(url)
    with main.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    held = [main.connect() for _ in range(40)]  # every connection the main pool may make
    reader = loop_reader(url)
    try:
        with reader.connect() as connection:
            assert connection.execute(text("SELECT x FROM t")).scalar_one() == 1
            # A second connection while the first is out is made, not waited for.
            with reader.connect() as another:
                assert another.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        with pytest.raises(OperationalError, match="readonly"), reader.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        for connection in held:
            connection.close()
        reader.dispose()
        main.dispose()
