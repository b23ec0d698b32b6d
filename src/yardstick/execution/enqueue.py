"""Turn a new evaluation into chunk workflows, inside the transaction that creates it."""

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from yardstick.config import get_settings
from yardstick.db.types import utcnow
from yardstick.execution.engine import chunk_workflow_id, enqueue_chunk
from yardstick.execution.wake import wake_after_commit
from yardstick.models import Evaluation
from yardstick.ops.runs import run_started


def chunk_bounds(item_ids: Sequence[str], size: int) -> list[tuple[str, str]]:
    """(first, last) item id of each run of `size` consecutive items; ids are in row order."""
    return [
        (item_ids[start], item_ids[min(start + size, len(item_ids)) - 1])
        for start in range(0, len(item_ids), size)
    ]


def enqueue_run(
    session: Session, *, evaluation_id: str, item_ids: Sequence[str], run: int = 1
) -> int:
    """Enqueue every chunk of run `run` of the evaluation; ids are deterministic (the create's
    run is `{id}-c{n}`, a later one `{id}-r{run}-c{n}`), so this is idempotent."""
    settings = get_settings()
    bounds = chunk_bounds(item_ids, settings.chunk_size)
    for index, (first, last) in enumerate(bounds):
        enqueue_chunk(
            session,
            settings,
            workflow_id=chunk_workflow_id(evaluation_id, run, index),
            args=(evaluation_id, first, last, run),
        )
    session.execute(
        update(Evaluation).where(Evaluation.id == evaluation_id).values(run_started_at=utcnow())
    )
    wake_after_commit(session)  # a worker of this process takes them at once
    # Every run starts here (create, task added or changed, retry): one place to log it.
    run_started(
        session, evaluation_id=evaluation_id, run=run, items=len(item_ids), chunks=len(bounds)
    )
    return len(bounds)
