"""DBOS set-up: one configuration for every process, the queue, and the enqueue client."""

import threading
from typing import Any

from dbos import DBOS, DBOSClient, DBOSConfig
from sqlalchemy.orm import Session

from yardstick.config import Settings

APP_NAME = "yardstick"
# Pinned: DBOS's default version is a hash of the code, and chunks enqueued before an upgrade
# would then be neither dequeued nor recovered by the new code.
APP_VERSION = "yardstick-engine-1"
QUEUE = "evaluations"
RUN_CHUNK = "evaluations.run_chunk"

_client: DBOSClient | None = None
_client_lock = threading.Lock()


def system_database_url(settings: Settings) -> str:
    """DBOS keeps its state in our own database (its tables; schema `dbos` on PostgreSQL)."""
    return settings.database_url


def _engine_kwargs(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        # Writers queue on the busy timeout rather than fail, as our own engine does.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {}


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
        "notification_listener_polling_interval_sec": 0.5,
    }


def migrate_engine(settings: Settings) -> None:
    """Create or upgrade DBOS's own tables (idempotent; every start runs it)."""
    DBOS.migrate(system_database_url(settings))


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
