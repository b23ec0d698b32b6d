"""Sessions for the request boundary: the boundary commits on success and rolls back on error.

Read and write sessions are distinct types so a signature says which it needs; on SQLite only a
write session takes the write lock at `BEGIN`.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, NewType, Protocol

from fastapi import Depends, Request
from sqlalchemy import Engine, Executable
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from yardstick.db.engine import WRITE_OPTION

ReadSession = NewType("ReadSession", Session)
WriteSession = NewType("WriteSession", Session)


class SessionFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    def read(self) -> Session:
        return self._read()

    def write(self) -> Session:
        return self._write()


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def dialect_insert(session: Session) -> Any:
    """The `insert` of `session`'s database, which has ON CONFLICT clauses."""
    return sqlite_insert if _engine(session).dialect.name == "sqlite" else pg_insert


def write_apart(session: Session, statement: Executable) -> None:
    """Run `statement` in a write transaction of its own, beside `session` (which may only
    read): a figure a read computed, kept for the next."""
    engine = _engine(session).execution_options(**{WRITE_OPTION: True})
    with Session(engine) as writer, writer.begin():
        writer.execute(statement)


def _factory(request: Request) -> SessionFactory:
    factory: SessionFactory = request.app.state.sessions
    return factory


def get_read_session(request: Request) -> Iterator[ReadSession]:
    with _factory(request).read() as session:
        yield ReadSession(session)


class CommitHook(Protocol):
    """Work a middleware adds to the request's write transaction (see `COMMIT_HOOKS`)."""

    def before_commit(self, session: Session) -> None: ...

    def on_integrity_error(self, error: Exception) -> None:
        """Raise the error to answer instead, if the failed commit was this hook's doing."""


# The request state's list of CommitHooks (yardstick.kit.idempotency adds one).
COMMIT_HOOKS = "commit_hooks"


@contextmanager
def write_transaction(request: Request) -> Iterator[Session]:
    """The request's write session: committed (with the request's commit hooks) when the block
    ends, rolled back when it raises."""
    with hooked_transaction(_factory(request), getattr(request.state, COMMIT_HOOKS, [])) as session:
        yield session


@contextmanager
def hooked_transaction(sessions: SessionFactory, hooks: Sequence[CommitHook]) -> Iterator[Session]:
    """A write session committed with `hooks` when the block ends, rolled back when it raises."""
    with sessions.write() as session:
        try:
            yield session
            for hook in hooks:
                hook.before_commit(session)
        except BaseException:
            session.rollback()
            raise
        try:
            session.commit()
        except IntegrityError as error:
            for hook in hooks:
                hook.on_integrity_error(error)
            raise


def get_write_session(request: Request) -> Iterator[WriteSession]:
    with write_transaction(request) as session:
        yield WriteSession(session)


# scope="function": commit (and release the connection) before the response is sent, so a client
# that gets a 200 can read what it wrote with its very next request.
ReadSessionDep = Annotated[ReadSession, Depends(get_read_session, scope="function")]
WriteSessionDep = Annotated[WriteSession, Depends(get_write_session, scope="function")]
