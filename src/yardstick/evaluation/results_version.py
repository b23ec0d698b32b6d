"""An evaluation's results version: how many times its cells were written or deleted.

Every transaction that writes or deletes cells (the engine's group commits, prefilled cells, a
retry, a task changed) calls `results_changed`, which adds 1 to one of the evaluation's SLOTS
rows (models/evaluation_result_version.py); the version is their sum. What is derived from the
cells and kept (dashboard widgets' results, yardstick.evaluation_dashboard.compute) records
the version it was computed from, and is computed again once the version moved on.
"""

import random
from collections.abc import Iterable, Sequence
from functools import partial

from sqlalchemy import Insert, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.kit.driver_query import DriverQuery, connection_of
from yardstick.models import EvaluationResultVersion

# Rows per evaluation that writers spread their increments over (see the model).
SLOTS = 16
V = EvaluationResultVersion


def _bump(dialect: str) -> Insert:
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(V).values(evaluation_id=bindparam("evaluation_id"), slot=bindparam("slot"))
    # RETURNING: the driver's rows are what `DriverQuery` hands back.
    return (
        stmt.values(version=1)
        .on_conflict_do_update(
            index_elements=[V.evaluation_id, V.slot], set_={"version": V.version + 1}
        )
        .returning(V.version)
    )


# Run by every group commit of the engine, so through the driver (`kit.driver_query`): as an
# ORM-enabled insert through `session.execute` it took SQLAlchemy's bulk-insert path and a
# cache key each time (see yardstick.execution.cells' run state for what both cost).
_BUMP = {dialect: DriverQuery(partial(_bump, dialect)) for dialect in ("sqlite", "postgresql")}


def results_changed(session: Session, evaluation_ids: Iterable[str]) -> None:
    """Note, in the caller's transaction, that these evaluations' cells changed."""
    if session.autoflush:  # as `session.execute` would, so pending ORM rows land first
        session.flush()
    query = _BUMP[connection_of(session).dialect.name]
    # In id order: two transactions bumping the same evaluations take their rows in one order.
    for evaluation_id in sorted(set(evaluation_ids)):
        query.rows(session, {"evaluation_id": evaluation_id, "slot": random.randrange(SLOTS)})


def versions(session: Session, evaluation_ids: Sequence[str]) -> dict[str, int]:
    """Each evaluation's results version (0 before its first cell)."""
    if not evaluation_ids:
        return {}
    stmt = (
        select(V.evaluation_id, func.sum(V.version))
        .where(V.evaluation_id.in_(list(evaluation_ids)))
        .group_by(V.evaluation_id)
    )
    found = {evaluation_id: int(total) for evaluation_id, total in session.execute(stmt)}
    return {evaluation_id: found.get(evaluation_id, 0) for evaluation_id in evaluation_ids}
