"""Transient database errors, and retrying the unit of work one interrupted.

A run must not fail because the database blinked: a restarted PostgreSQL drops every connection,
a failover refuses new ones for a few seconds, two transactions can deadlock or fail to
serialize, a SQLite writer can outwait its busy timeout. Each of those succeeds if the same
transaction runs again, so the engine's database units (loading a chunk's plan, committing a
batch of cells, completing or failing a run, reading an account's key) go through `retrying`:
transient errors are retried with full-jitter exponential backoff until `db_retry_seconds` have
passed; anything else (a constraint violated, bad data) is raised at once, since running it
again cannot change the answer. Every unit retried is one transaction that is safe to repeat:
cells are upserts, and status changes are conditional updates.
"""

import asyncio
import logging
import math
import random
import sqlite3
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import psycopg
from sqlalchemy import exc as sa_exc

from yardstick.config import get_settings

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")

# PostgreSQL error classes and codes that a new attempt can get past: connection exceptions,
# insufficient resources (too many connections), operator intervention (the server shutting
# down or starting up; not 57014, a statement cancelled on purpose), serialization failures and
# deadlocks, a lock not available (lock_timeout), and a session ended idle in a transaction.
_TRANSIENT_CLASSES = ("08", "53", "57P")
_TRANSIENT_CODES = frozenset({"40001", "40P01", "55P03", "25P03"})
_BASE_SECONDS = 0.1
_CAP_SECONDS = 5.0


class DatabaseUnavailable(RuntimeError):
    """Transient errors went on for longer than the retry budget; says for how long and why."""


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may succeed."""
    if isinstance(error, sa_exc.TimeoutError):  # no pool connection came free in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    if isinstance(cause, psycopg.Error):
        code = cause.sqlstate
        if code is None:
            # Raised by the driver itself: connecting failed, or the server went away mid-call.
            return isinstance(cause, psycopg.OperationalError)
        return code in _TRANSIENT_CODES or code.startswith(_TRANSIENT_CLASSES)
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause)
        return "database is locked" in message or "database is busy" in message
    return False


def _delay(attempt: int) -> float:
    return random.uniform(0, min(_CAP_SECONDS, _BASE_SECONDS * 2**attempt))


def _give_up(what: str, started: float, error: BaseException) -> DatabaseUnavailable:
    # The driver's own error reads best: SQLAlchemy's wrapper adds the statement and a link.
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig else error
    return DatabaseUnavailable(
        f"the database was unavailable for {time.monotonic() - started:.0f} s while {what}: "
        f"{type(cause).__name__}: {str(cause).strip()}"
    )


async def retrying(what: str, work: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """Run the blocking database unit `work` in a thread, again after each transient error
    (waiting on the event loop, so no thread sleeps), for up to `db_retry_seconds`: the last
    attempt is made when they have passed.

    `what` says what the unit does ("committing 12 cells"), for the log and the error."""
    return await _retrying(get_settings().db_retry_seconds, what, work, *args, **kwargs)


async def retrying_until_back(
    what: str, work: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
) -> _R:
    """`retrying` with no budget: for the unit that records that another one gave up (a run
    failed for an outage). Giving up on it too would leave the run `running` with nothing
    left to end it; it waits for the database instead, however long it is away."""
    return await _retrying(math.inf, what, work, *args, **kwargs)


async def _retrying(
    budget: float, what: str, work: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
) -> _R:
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return await asyncio.to_thread(work, *args, **kwargs)
        except Exception as error:
            if not is_transient(error):
                raise
            elapsed = time.monotonic() - started
            if elapsed >= budget:
                raise _give_up(what, started, error) from error
            attempt += 1
            # Never sleep past the budget: the last attempt is made at its end, so a database
            # back by then is used and one still away fails the unit on time, not a backoff
            # step (up to 5 s) later.
            delay = min(_delay(attempt), budget - elapsed)
            log.warning(
                "database error while %s (attempt %d), retrying in %.2f s: %s",
                what,
                attempt,
                delay,
                error,
            )
            await asyncio.sleep(delay)
