"""An evaluation's results version: how many times its cells were written or deleted.

Every transaction that writes or deletes cells (the engine's group commits, prefilled cells, a
retry, a task changed) calls `results_changed`, which adds 1 to one of the evaluation's SLOTS
rows (models/evaluation_result_version.py); the version is their sum. What is derived from the
cells and kept (dashboard widgets' results, yardstick.evaluation_dashboard.compute) records
the version it was computed from, and is computed again once the version moved on.
"""

import random
from collections.abc import Iterable, Sequence

from sqlalchemy import Insert, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.models import EvaluationResultVersion

# Rows per evaluation that writers spread their increments over (see the model).
SLOTS = 16
V = EvaluationResultVersion


def _bump(dialect: str) -> Insert:
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(V).values(evaluation_id=bindparam("evaluation_id"), slot=bindparam("slot"))
    return stmt.values(version=1).on_conflict_do_update(
        index_elements=[V.evaluation_id, V.slot], set_={"version": V.version + 1}
    )


# Built once: the engine bumps a version with every group commit, and building the statement
# (and its cache key) each time cost more than running it.
_BUMP = {dialect: _bump(dialect) for dialect in ("sqlite", "postgresql")}


def results_changed(session: Session, evaluation_ids: Iterable[str]) -> None:
    """Note, in the caller's transaction, that these evaluations' cells changed."""
    stmt = _BUMP[session.get_bind().dialect.name]
    # In id order: two transactions bumping the same evaluations take their rows in one order.
    for evaluation_id in sorted(set(evaluation_ids)):
        session.execute(stmt, {"evaluation_id": evaluation_id, "slot": random.randrange(SLOTS)})


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
