"""What operations read of the engine's state in DBOS's own table, `workflow_status`.

DBOS keeps its tables in our database (see `yardstick.execution.engine`): in its default
schema `dbos` on PostgreSQL, unqualified on SQLite. Both reads here are index lookups: the
queue depth counts over DBOS's partial index of in-flight workflows (queue_name, status), and a
run's start is one primary-key read.
"""

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from yardstick.execution.engine import QUEUE, chunk_workflow_id, workflow_status_table


def queue_depth(engine: Engine) -> dict[str, int]:
    """Chunks on the engine's queue: {"enqueued": waiting, "pending": running}."""
    sql = text(
        f"SELECT status, COUNT(*) FROM {workflow_status_table(engine.dialect.name)} "
        "WHERE queue_name = :queue AND status IN ('ENQUEUED', 'PENDING') GROUP BY status"
    )
    with engine.connect() as connection:
        rows = connection.execute(sql, {"queue": QUEUE}).tuples().all()
    return {str(status).lower(): int(count) for status, count in rows}


def run_started_at(session: Session, evaluation_id: str, run: int) -> float | None:
    """When run `run` was enqueued (its first chunk's creation), in epoch seconds; None if
    DBOS no longer has that workflow."""
    table = workflow_status_table(session.get_bind().dialect.name)
    created_ms = session.execute(
        text(f"SELECT created_at FROM {table} WHERE workflow_uuid = :id"),
        {"id": chunk_workflow_id(evaluation_id, run, 0)},
    ).scalar()
    return None if created_ms is None else int(created_ms) / 1000
