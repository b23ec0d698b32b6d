"""When a cached widget result is stale: the results versions of evaluations.

A widget's result depends on its query and on the rows it reads: the target's items, which
never change once the evaluation is created, and their cells (`task_results`), which the
engine writes, and runs deletes (a task changed, a retry). Every transaction that writes or
deletes cells calls `results_changed`, which adds 1 to the evaluation's results version
(models/evaluation_result_version.py); a result records the version it was computed from
(`marker`) and is computed again once the version moved on.

The version is read before the rows are: a write committed between the two lands in the
result and makes it look older than it is (one needless recomputation), never the reverse.
For a group the marker also names the live members, so a member added, removed or archived
changes it too.
"""

import random
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yardstick.models import EvaluationResultVersion

# Rows per evaluation that writers spread their increments over (see the model).
SLOTS = 16
V = EvaluationResultVersion


def results_changed(session: Session, evaluation_ids: Iterable[str]) -> None:
    """Note, in the caller's transaction, that these evaluations' cells changed."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    # In id order: two transactions bumping the same evaluations take their rows in one order.
    for evaluation_id in sorted(set(evaluation_ids)):
        stmt = insert(V).values(
            evaluation_id=evaluation_id, slot=random.randrange(SLOTS), version=1
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[V.evaluation_id, V.slot], set_={"version": V.version + 1}
            )
        )


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


def marker(evaluation_versions: dict[str, int]) -> str:
    """Versions as one string, `id:version` by id: equal markers, same rows."""
    return ",".join(f"{e}:{v}" for e, v in sorted(evaluation_versions.items()))
