"""Fresh databases for one benchmark: SQLite files in a temp dir, or PostgreSQL databases.

A benchmark asks for as many databases as it needs (`new_database`); all of them are removed
when the benchmark ends, PostgreSQL ones with `DROP DATABASE … WITH (FORCE)`.
"""

import shutil
import tempfile
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg
from sqlalchemy.engine import make_url


class Backend:
    def __init__(self, database_url: str | None) -> None:
        """`database_url`: None for SQLite in a temp dir, or a PostgreSQL server to create on."""
        self.admin_url = database_url
        self.kind = make_url(database_url).get_backend_name() if database_url else "sqlite"
        if self.kind not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database URL {database_url!r}")
        self.tmp = Path(tempfile.mkdtemp(prefix="yardstick-bench-"))
        self._databases: list[str] = []

    def new_database(self, label: str) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        if self.kind == "sqlite":
            if self.admin_url is not None:
                # A SQLite URL names a directory to work in: sqlite:///DIR/anything.db
                directory = Path(make_url(self.admin_url).database or ".").resolve().parent
                path = directory / f"bench-{label}-{uuid.uuid4().hex[:8]}.db"
            else:
                path = self.tmp / f"{label}.db"
            self._databases.append(str(path))
            return f"sqlite:///{path}"
        assert self.admin_url is not None
        url = make_url(self.admin_url)
        name = f"yardstick_bench_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(conninfo(self.admin_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        for database in self._databases:
            if self.kind == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(database + suffix).unlink(missing_ok=True)
            else:
                assert self.admin_url is not None
                with psycopg.connect(conninfo(self.admin_url), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._databases.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def conninfo(database_url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a plain libpq URL for psycopg."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(database_url: str) -> str:
    path = make_url(database_url).database
    assert path, database_url
    return path
