"""Group commits of finished cells: one transaction for every chunk running in the process.

Each chunk has a `CellWriter`: it queues the chunk's finished cells and knows whether the
chunk's run must stop. The writers of one process (per event loop and database) share one
flusher, `_Group`, which commits whatever every chunk has finished since its last commit in a
single transaction: ten chunks at 32 model calls in flight made ten commits of a cell or two
each, and a commit (a trip to a thread, BEGIN IMMEDIATE, the run's state read under lock, the
results version bumped) cost more than the cells in it. A cell's future resolves only once the
cell is committed, and its result slot (yardstick.execution.slots) is held until then: after a
crash, the only calls repeated are the ones in flight and the finished ones not yet committed.

Before writing, the commit reads each run's state under a shared row lock (see
`cells.run_state`): a cancelled, archived or superseded run writes nothing more, and its
writer tells its chunk to stop. A writer with nothing to write still reads that state once
every `interval`, which is how an idle chunk learns to stop. A run whose cells reached its
budget is stopped by the writer whose commit crossed it.

The same transaction queues the model calls of the traced cells it writes, one row per account
(yardstick.span.run_trace_queue): a cell is never stored without its calls, nor calls without
their cell, and they become spans behind the run.

Each commit also checks, in its transaction, that every chunk it writes for is still this
worker's (`engine.held_leases`). A worker silent past the dead-after (paused, or its machine
stalled) has its chunks taken over; when it wakes, its next commit writes nothing for them and
its writers tell their chunks to end (`ChunkTaken`), so it goes on computing for at most one
commit, not for the rest of the chunk beside the new owner.

A commit that fails for good (not a transient error: `retrying` handles those) is tried again
writer by writer, so only the chunks whose cells cannot be written fail.
"""

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Self

from sqlalchemy import text
from sqlalchemy.orm import Session

from yardstick.config import get_settings
from yardstick.db.retry import DatabaseUnavailable, retrying
from yardstick.db.session import SessionFactory
from yardstick.execution.cells import RunState, run_state, stop_at_budget, upsert_cells
from yardstick.execution.engine import ChunkLease, held_leases, stall_timeout_ms
from yardstick.models.task_result import CellRow
from yardstick.ops.metrics import cells_committed
from yardstick.span import run_trace_queue
from yardstick.span.run_traces import TracedCell

log = logging.getLogger(__name__)
_RunKey = tuple[str, int]  # (evaluation id, run number)

# Runs some chunk of this process found stopped (an insertion-ordered set, oldest dropped
# first: a run stopped long ago has no chunk left to tell).
_STOPPED_RUNS: dict[_RunKey, None] = {}
_MAX_STOPPED_RUNS = 10_000


class ChunkTaken(BaseException):
    """Ends a chunk another worker has taken over: nothing it computed since is written, and
    its workflow is the new owner's. A BaseException, as `drain.ShuttingDown` is, so that DBOS
    records nothing for it and `run_chunk` does not take it for a broken run."""


@dataclass
class _Batch:
    """One writer's share of a commit: its cells, or none when it only reads the run's state."""

    writer: "CellWriter"
    rows: list[CellRow]
    traced: list[TracedCell]
    committed: list["asyncio.Future[None]"]


@dataclass
class _Outcome:
    state: RunState
    # The run's cells reached its budget with this commit (the run is stopped).
    over_budget: bool = False


@dataclass
class _Round:
    """What one commit found: each run's outcome, and the leases of the chunks taken over."""

    outcomes: dict[_RunKey, _Outcome]
    taken: set[ChunkLease]


class CellWriter:
    """One chunk's finished cells, committed as soon as they finish (see the module doc)."""

    def __init__(
        self,
        sessions: SessionFactory,
        evaluation_id: str,
        run: int,
        *,
        account_id: str,
        lease: ChunkLease | None = None,
        interval: float = 0.5,
    ) -> None:
        self._sessions = sessions
        self.lease = lease  # checked at each write; None: never taken over (no workflow)
        self.evaluation_id = evaluation_id
        self.account_id = account_id
        self.run = run
        self.interval = interval
        self._rows: list[CellRow] = []
        self._traced: list[TracedCell] = []
        self._committed: list[asyncio.Future[None]] = []
        self._unsettled = 0  # cells queued or being committed
        self._settled = asyncio.Event()
        self._settled.set()
        self.checked_at = 0.0  # when the run's state was last read
        self._stopped = False
        self.taken = False  # another worker took the chunk over (see ChunkTaken)
        self._error: BaseException | None = None
        self._group: _Group | None = None
        # Tasks stopped by fail fast (read with every write, so other workers' stops reach us).
        self.task_stops: dict[str, str] = {}

    @property
    def key(self) -> _RunKey:
        return (self.evaluation_id, self.run)

    @property
    def stopped(self) -> bool:
        """Whether the chunk must stop: its run stopped, seen by this writer or by another
        chunk's in this process (so a budget reached or a cancel seen by one chunk stops all at
        once), or the chunk was taken over."""
        return self._stopped or self.taken or self.key in _STOPPED_RUNS

    async def __aenter__(self) -> Self:
        self._group = _group(self._sessions)
        self._group.join(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._group is not None
        # Cells whose item was cancelled while waiting (a shutdown past its grace period) are
        # committed all the same: wait for them.
        await self._settled.wait()
        self._group.leave(self)
        if self._error is not None:
            raise self._error

    def add(self, row: CellRow, traced: TracedCell | None = None) -> "asyncio.Future[None]":
        """Queue a finished cell and, if it called a model, its calls for its item's trace
        (committed together); the returned future resolves once they are committed."""
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._error is not None:  # an earlier commit of this chunk failed for good
            committed.set_exception(self._error)
            return committed
        self._rows.append(row)
        if traced is not None:
            self._traced.append(traced)
        self._committed.append(committed)
        self._unsettled += 1
        self._settled.clear()
        assert self._group is not None
        self._group.nudge()
        return committed

    def take(self, now: float) -> _Batch | None:
        """What this writer has for the next commit: its queued cells, or a look at the run's
        state when it has none and last looked `interval` ago."""
        if not self._rows and now - self.checked_at < self.interval:
            return None
        batch = _Batch(self, self._rows, self._traced, self._committed)
        self._rows, self._traced, self._committed = [], [], []
        return batch

    def settle(self, batch: _Batch, outcome: _Outcome | BaseException) -> None:
        """The batch's commit is over: resolve its cells' futures, note the run's state."""
        if isinstance(outcome, BaseException):
            self._error = outcome
            for committed in batch.committed:
                if not committed.done():
                    committed.set_exception(outcome)
        else:
            self.checked_at = time.monotonic()
            self.task_stops = outcome.state.task_stops
            if outcome.state.stopped or outcome.over_budget:
                self._stopped = True
                _STOPPED_RUNS[self.key] = None
                while len(_STOPPED_RUNS) > _MAX_STOPPED_RUNS:
                    del _STOPPED_RUNS[next(iter(_STOPPED_RUNS))]
            for committed in batch.committed:
                # Done already when its item was cancelled while waiting: committed all the same.
                if not committed.done():
                    committed.set_result(None)
        self._unsettled -= len(batch.committed)
        if not self._unsettled:
            self._settled.set()


class _Group:
    """The flusher the writers of one event loop and database share."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._stall_ms = stall_timeout_ms(get_settings().worker_dead_after_seconds)
        self._writers: dict[CellWriter, None] = {}  # in joining order
        self._wakeup = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    def join(self, writer: CellWriter) -> None:
        self._writers[writer] = None
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._run())

    def leave(self, writer: CellWriter) -> None:
        self._writers.pop(writer, None)
        self._wakeup.set()  # the flusher ends once no writer is left

    def nudge(self) -> None:
        self._wakeup.set()

    async def _run(self) -> None:
        while self._writers:
            interval = min(writer.interval for writer in self._writers)
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=interval)
            except TimeoutError:
                pass
            self._wakeup.clear()
            now = time.monotonic()
            batches = [b for w in list(self._writers) if (b := w.take(now)) is not None]
            if batches:
                await self._commit(batches)

    async def _commit(self, batches: list[_Batch]) -> None:
        cells = sum(len(b.rows) for b in batches)
        what = f"committing {cells} cells" if cells else "reading whether runs must stop"
        # Every chunk's lease, not only those with cells: the first commit after a pause tells
        # each chunk of this process at once, before their waiting cells start more calls.
        leases = {w.lease for w in self._writers if w.lease is not None and not w.taken}
        try:
            done = await retrying(
                what, _commit_round, self._sessions, batches, leases, self._stall_ms
            )
        except DatabaseUnavailable as exc:  # every chunk's, alike: no use in trying apart
            for batch in batches:
                batch.writer.settle(batch, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a chunk's failure, handed to that chunk
            if len(batches) == 1:
                batches[0].writer.settle(batches[0], exc)
                return
            # Some chunk's cells cannot be written: try each chunk's alone, so only it fails.
            log.warning(
                "a group commit of %d chunks failed (%r); committing them apart", len(batches), exc
            )
            for batch in batches:
                await self._commit([batch])
            return
        for writer in self._writers:
            if writer.lease in done.taken:
                writer.taken = True
        for batch in batches:
            batch.writer.settle(batch, done.outcomes[batch.writer.key])


def _commit_round(
    sessions: SessionFactory, batches: list[_Batch], leases: set[ChunkLease], stall_ms: int
) -> _Round:
    """Commit the batches' cells in one transaction, each only if its run must not stop and
    its chunk is still this worker's; the state of every batch's run, read under lock before
    writing, and which of `leases` are no longer held."""
    keys = sorted({batch.writer.key for batch in batches})  # locks taken in one order
    if not any(batch.rows for batch in batches):
        with sessions.read() as session:
            states = {key: run_state(session, *key) for key in keys}
            held = held_leases(session, leases, lock=False) if leases else set()
        return _Round({key: _Outcome(state) for key, state in states.items()}, leases - held)
    written: list[CellRow] = []
    with sessions.write() as session, session.begin():
        end_if_stalled(session, stall_ms)
        # Checked before every write, under the row lock: a cancelled, archived or superseded
        # run writes nothing more.
        states = {key: run_state(session, *key, lock=True) for key in keys}
        held = held_leases(session, leases, lock=True) if leases else set()
        taken = leases - held
        # A writer found taken by an earlier commit has left `leases`: the cells of its calls
        # that were in flight then still arrive, and must not be written either.
        live = [
            b
            for b in batches
            if b.rows
            and not states[b.writer.key].stopped
            and not b.writer.taken
            and b.writer.lease not in taken
        ]
        for batch in live:
            written.extend(batch.rows)
        upsert_cells(session, written)
        traced: dict[str, list[TracedCell]] = {}
        for batch in live:
            traced.setdefault(batch.writer.account_id, []).extend(batch.traced)
        for account_id, cells in traced.items():
            run_trace_queue.enqueue(session.connection(), account_id, cells)
    cells_committed(written)  # after the commit: a batch rolled back is retried, not counted
    outcomes = {key: _Outcome(state) for key, state in states.items()}
    for key, outcome in outcomes.items():
        budget = outcome.state.max_cost_usd
        if budget is not None and any(
            row["cost_usd"] for b in live if b.writer.key == key for row in b.rows
        ):
            outcome.over_budget = stop_at_budget(sessions, *key, budget)
    return _Round(outcomes, taken)


def end_if_stalled(session: Session, timeout_ms: int) -> None:
    """On PostgreSQL, have the server end this transaction if its worker stalls in it for
    `timeout_ms` (SIGSTOP, a frozen VM). The row locks it holds (its run's, its chunks') would
    otherwise hold back the takeover's re-queue, and the new owner's commits, until it woke;
    woken, it finds its connection gone, and its commit, tried again, is fenced."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {timeout_ms:d}"))


_groups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[SessionFactory, _Group]] = (
    weakref.WeakKeyDictionary()
)


def _group(sessions: SessionFactory) -> _Group:
    groups = _groups.setdefault(asyncio.get_running_loop(), {})
    group = groups.get(sessions)
    if group is None:
        group = groups[sessions] = _Group(sessions)
    return group
