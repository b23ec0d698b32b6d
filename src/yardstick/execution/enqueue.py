"""Turn a new evaluation into chunk workflows, inside the transaction that creates it."""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from yardstick.config import get_settings
from yardstick.execution.engine import enqueue_chunk


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
    prefix = evaluation_id if run == 1 else f"{evaluation_id}-r{run}"
    for index, (first, last) in enumerate(bounds):
        enqueue_chunk(
            session,
            settings,
            workflow_id=f"{prefix}-c{index}",
            args=(evaluation_id, first, last, run),
        )
    return len(bounds)
