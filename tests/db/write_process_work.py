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
