"""The engine's one door to DBOS Transact: every DBOS call Yardstick makes is in this module.

Why DBOS: a chunk of a run is a durable workflow kept in our own database (its tables beside
ours; schema `dbos` on PostgreSQL), so a run survives crashes and restarts with no broker to
operate, on SQLite for one machine and PostgreSQL for many (see CONTRIBUTING.md for the
correctness argument). Why one module: Yardstick relies on a few specifics of DBOS 3.4 (a
private recovery call, the shape of its workflow table, keyword arguments of its lifecycle
calls). `check_dbos` verifies each of them, the worker runs it before launching, and
tests/execution/test_engine_adapter.py runs it in CI, so an upgrade that changes any of them
fails loudly instead of breaking recovery quietly.
"""

import inspect
import sqlite3
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, ParamSpec, TypeVar

import dbos._context as dbos_context
import dbos._dbos as dbos_main
import dbos._queue as dbos_queue
import dbos._workflow_commands as dbos_jobs
from dbos import DBOS, DBOSClient, DBOSConfig
from sqlalchemy import Engine, bindparam, text
from sqlalchemy import inspect as inspect_db
from sqlalchemy.orm import Session

from yardstick.config import Settings
from yardstick.execution import wake
from yardstick.execution.worker_sessions import application_name

APP_NAME = "yardstick"
# Pinned: DBOS's default version is a hash of the code, and chunks enqueued before an upgrade
# would then be neither dequeued nor recovered by the new code.
APP_VERSION = "yardstick-engine-1"
QUEUE = "evaluations"
RUN_CHUNK = "evaluations.run_chunk"
# The DBOS release the checks below were written against (pyproject pins it).
DBOS_VERSION = "3.4.0"
# DBOS's background jobs (delayed workflows, workflow deadlines; Yardstick uses neither) run
# every second. On SQLite, where they need no lock held between runs, once a minute is enough
# (on PostgreSQL the interval is the time a held advisory lock sits idle, so it stays).
BACKGROUND_JOBS_SECONDS_SQLITE = 60.0
# Columns of DBOS's workflow table that Yardstick reads (ops.engine_state) or whose meaning
# recovery relies on.
WORKFLOW_COLUMNS = (
    "workflow_uuid",
    "status",
    "queue_name",
    "executor_id",
    "created_at",
    "owner_xid",
    "started_at_epoch_ms",
)

_P = ParamSpec("_P")
_R = TypeVar("_R")
_client: DBOSClient | None = None
_client_lock = threading.Lock()


class DBOSChanged(RuntimeError):
    """The installed DBOS no longer offers what this module relies on."""


def system_database_url(settings: Settings) -> str:
    """DBOS keeps its state in our own database (its tables; schema `dbos` on PostgreSQL)."""
    return settings.database_url


def workflow_status_table(dialect: str) -> str:
    """DBOS's workflow table: in schema `dbos` on PostgreSQL, unqualified on SQLite."""
    return "dbos.workflow_status" if dialect == "postgresql" else "workflow_status"


class _NormalSyncConnection(sqlite3.Connection):
    """DBOS's SQLite connections, synced as our own are (yardstick.db.engine): in WAL mode,
    `synchronous=NORMAL` is durable across a crash of the process and syncs at checkpoints
    instead of at every commit. SQLite's default, FULL, made each of DBOS's writes of a run
    (its dequeue, each step's record, the workflow's end) wait for the disk. Both write the
    same WAL, in commit order, so after a crash of the machine what survives of the two is
    still one prefix of the transactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA synchronous=NORMAL")


def stall_timeout_ms(dead_after_seconds: float) -> int:
    """How long a worker's engine transaction may sit idle mid-way: half the dead-after, at
    least 1 s (its own pauses between statements take milliseconds)."""
    return max(1000, round(dead_after_seconds * 500))


def _engine_kwargs(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        # Writers queue on the busy timeout rather than fail, as our own engine does.
        return {
            "connect_args": {
                "timeout": 30,
                "check_same_thread": False,
                "factory": _NormalSyncConnection,
            }
        }
    # Named after the worker, as its own engine's are: a take-over ends them (worker_sessions).
    return {"connect_args": {"application_name": application_name(settings.worker_id)}}


def dbos_config(settings: Settings) -> DBOSConfig:
    return {
        "name": APP_NAME,
        "system_database_url": system_database_url(settings),
        "application_version": APP_VERSION,
        "executor_id": settings.worker_id,
        # DBOS's default thread pool is unbounded; model calls are async, so few threads do.
        "max_executor_threads": 16,
        "db_engine_kwargs": _engine_kwargs(settings),
        "log_level": "WARNING",
        # A worker paused inside one of DBOS's transactions (a step's record locks its chunk's
        # row) held that lock until it woke, and the takeover's re-queue of its chunks waited
        # for it (DBOS's default is 60 s): PostgreSQL ends such a transaction after half the
        # dead-after, as it does a stalled group commit of cells (yardstick.execution.writer).
        "sys_db_idle_transaction_timeout_sec": (
            stall_timeout_ms(settings.worker_dead_after_seconds) / 1000
        ),
        "notification_listener_polling_interval_sec": 0.5,
    }


def migrate_engine(settings: Settings) -> None:
    """Create or upgrade DBOS's own tables (idempotent; every start runs it)."""
    DBOS.migrate(system_database_url(settings))


def workflow(name: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Register a durable workflow under a fixed name (the name is stored with each chunk)."""
    return DBOS.workflow(name=name)


def step(name: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A checkpointed step of a workflow: once it returns, a recovered workflow skips it."""
    return DBOS.step(name=name)


async def launch(settings: Settings) -> None:
    """Start DBOS in this process, on the running event loop, dequeuing the engine's queue.

    DBOS recovers this executor id's unfinished chunks as it launches: a restarted worker
    picks up its own work first."""
    check_dbos(settings)
    DBOS(config=dbos_config(settings))
    DBOS.listen_queues([QUEUE])
    wake.install(QUEUE)  # before launch starts the queue threads
    if settings.is_sqlite:
        dbos_jobs._BACKGROUND_JOBS_INTERVAL_SEC = BACKGROUND_JOBS_SECONDS_SQLITE
    DBOS.launch()
    await DBOS.register_queue_async(
        QUEUE, worker_concurrency=settings.worker_concurrency, polling_interval_sec=0.1
    )
    wake.queues_changed()  # its thread starts now, not at the manager's next listing


def destroy(wait_seconds: int) -> None:
    """Stop dequeuing, wait up to `wait_seconds` for this process's chunks to end, stop DBOS."""
    DBOS.destroy(workflow_completion_timeout_sec=wait_seconds)


def requeue_pending(worker_id: str) -> int:
    """Set the running (PENDING) chunks of executor `worker_id` back to ENQUEUED, for any live
    worker to take; returns how many. Idempotent, and a new owner fences the old one.

    Private in DBOS 3.4 (`_recover_pending_workflows`), but it is the path DBOS itself takes
    for its own executor at launch; `check_dbos` guards its signature."""
    return len(DBOS._recover_pending_workflows([worker_id]))


@dataclass(frozen=True)
class ChunkLease:
    """This execution's hold on a running chunk: the chunk's workflow id and the token DBOS
    wrote to its row (`owner_xid`) when this execution claimed it. A takeover re-queues the
    chunk (the token is cleared) and the next dequeue writes a new one, so a worker that was
    only paused finds its token gone."""

    workflow_id: str
    token: str


def chunk_lease() -> ChunkLease | None:
    """The lease of the chunk running in this context; None outside a workflow (cells run
    directly, as tests do). DBOS fences its own checkpoints with the same token (private in
    DBOS 3.4, `current_owner_xid`; `check_dbos` guards it)."""
    workflow_id = DBOS.workflow_id
    if workflow_id is None:
        return None
    token = dbos_context.current_owner_xid(workflow_id)
    return None if token is None else ChunkLease(workflow_id, token)


def held_leases(session: Session, leases: Collection[ChunkLease], *, lock: bool) -> set[ChunkLease]:
    """Those of `leases` still held. With `lock`, in the caller's write transaction: on
    PostgreSQL the chunks' rows then stay locked (FOR SHARE) until the caller commits, so a
    takeover's re-queue waits for the cells being written; SQLite's write transaction already
    keeps it out."""
    dialect = session.get_bind().dialect.name
    for_share = " FOR SHARE" if lock and dialect == "postgresql" else ""
    stmt = text(
        f"SELECT workflow_uuid, owner_xid FROM {workflow_status_table(dialect)}"
        f" WHERE workflow_uuid IN :ids{for_share}"
    ).bindparams(bindparam("ids", expanding=True))
    tokens: dict[str, str | None] = dict(
        session.execute(stmt, {"ids": [lease.workflow_id for lease in leases]}).all()
    )
    return {lease for lease in leases if tokens.get(lease.workflow_id) == lease.token}


def enqueue_client(settings: Settings) -> DBOSClient:
    """The process-wide client that enqueues chunks; the API needs no launched DBOS for it."""
    global _client
    with _client_lock:
        if _client is None:
            _client = DBOSClient(
                system_database_url=system_database_url(settings), application_name=APP_NAME
            )
        return _client


def chunk_workflow_id(evaluation_id: str, run: int, index: int) -> str:
    """Chunk `index` of run `run`: `{id}-c{n}` for the create's run, `{id}-r{run}-c{n}` after.
    Deterministic, so enqueueing a run again is a no-op."""
    prefix = evaluation_id if run == 1 else f"{evaluation_id}-r{run}"
    return f"{prefix}-c{index}"


def enqueue_chunk(
    session: Session, settings: Settings, *, workflow_id: str, args: tuple[str | int, ...]
) -> None:
    """Enqueue one chunk inside the caller's transaction: it runs only if the caller commits."""
    enqueue_client(settings).enqueue_in_transaction(
        session,
        {
            "workflow_name": RUN_CHUNK,
            "queue_name": QUEUE,
            "workflow_id": workflow_id,
            "app_version": APP_VERSION,
            "application_name": APP_NAME,
        },
        *args,
    )


def _parameters(function: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(function).parameters)


def check_dbos(settings: Settings) -> None:
    """Raise DBOSChanged, saying what moved, unless the installed DBOS has everything above."""
    problems: list[str] = []
    installed = version("dbos")
    if installed != DBOS_VERSION:
        problems.append(
            f"dbos {installed} is installed; this engine was checked with {DBOS_VERSION}"
        )
    expected: list[tuple[object, str, set[str]]] = [
        (DBOS, "_recover_pending_workflows", {"executor_ids"}),
        (dbos_context, "current_owner_xid", {"workflow_id"}),
        (DBOS, "destroy", {"workflow_completion_timeout_sec"}),
        (DBOS, "register_queue_async", {"name", "worker_concurrency", "polling_interval_sec"}),
        (dbos_queue, "queue_worker_thread", {"stop_event", "dbos", "queue"}),
        (dbos_main, "queue_thread", {"stop_event", "dbos"}),
        (DBOS, "listen_queues", {"queues"}),
        (DBOS, "migrate", {"system_database_url"}),
        (DBOS, "workflow", {"name"}),
        (DBOS, "step", {"name"}),
        (DBOSClient, "enqueue_in_transaction", {"conn_or_session", "options"}),
        (DBOSClient, "__init__", {"system_database_url", "application_name"}),
    ]
    for owner, name, parameters in expected:
        function = getattr(owner, name, None)
        if not callable(function):
            problems.append(f"{getattr(owner, '__name__', owner)}.{name} is gone")
            continue
        missing = parameters - _parameters(function)
        if missing:
            problems.append(f"{getattr(owner, '__name__', owner)}.{name} lost {sorted(missing)}")
    if not isinstance(getattr(dbos_jobs, "_BACKGROUND_JOBS_INTERVAL_SEC", None), float):
        problems.append("dbos._workflow_commands._BACKGROUND_JOBS_INTERVAL_SEC is gone")
    missing_keys = set(dbos_config(settings)) - set(DBOSConfig.__annotations__)
    if missing_keys:
        problems.append(f"DBOSConfig lost {sorted(missing_keys)}")
    if problems:
        raise DBOSChanged("DBOS changed under the engine: " + "; ".join(problems))


def check_workflow_table(engine: Engine) -> None:
    """Raise DBOSChanged unless DBOS's workflow table (after `migrate_engine`) has the columns
    Yardstick reads."""
    schema = "dbos" if engine.dialect.name == "postgresql" else None
    columns = {
        column["name"] for column in inspect_db(engine).get_columns("workflow_status", schema)
    }
    missing = set(WORKFLOW_COLUMNS) - columns
    if missing:
        raise DBOSChanged(f"DBOS's workflow_status table lost the columns {sorted(missing)}")
