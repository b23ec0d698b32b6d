"""Work for the write process's tests: module functions, which pickle (a test module would
make the write process import pytest)."""

import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session


def count_spans(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM spans")).scalar_one())


def fail(error: Exception, session: Session) -> None:
    raise error


def hold(started: Path, seconds: float, session: Session) -> None:
    """Say it started (a file appears), then hold the write process for `seconds`."""
    started.write_text("holding")
    time.sleep(seconds)


def unpicklable_result(session: Session) -> object:
    return lambda: None


def autocheckpoint(session: Session) -> int:
    """The WAL size, in pages, at which this connection's commits would copy it themselves."""
    return int(session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def fill(pages: int, session: Session) -> None:
    """About `pages` pages of rows, in a table of their own."""
    session.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
    session.execute(
        text("INSERT INTO filler (body) VALUES (:body)"), [{"body": "x" * 3000}] * pages
    )
