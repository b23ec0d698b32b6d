"""Figures derived from an evaluation's cells, kept in the database until the cells change.

A summary of a 1,000,000-item evaluation reads millions of index entries (a second or more);
its histograms and totals as many again. Kept, a finished evaluation's figures cost one
primary-key read per page view, in every process of a deployment, after a restart too.

A kept figure is current while the evaluation's *fingerprint* is unchanged: its results
version (bumped by every transaction that writes or deletes cells), item count, status, run
number and tasks. The fingerprint is read in the same snapshot as the figure is computed from,
so a write committed during the computation leaves the row behind, and the next read computes
again.

While an evaluation runs its version moves on with every group commit, so a current figure
would be computed on every view. A caller that can show a slightly older figure (the web
pages, which say "as of") passes `stale_ok`: then a figure that took at least STALE_FROM_MS to
compute is shown for up to STALE_FACTOR times its cost before it is computed again, which
bounds the share of a core that a watched run's pages spend on it. The API's summary never
takes a stale figure.
"""

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.db.session import dialect_insert, write_apart
from yardstick.evaluation import results_version
from yardstick.models import Evaluation, EvaluationKeptResult

K = EvaluationKeptResult
STALE_FROM_MS = 100.0  # cheaper figures are always computed afresh
STALE_FACTOR = 10.0


@dataclass(frozen=True)
class Kept:
    value: Any  # the figure as JSON values
    computed_at: datetime
    current: bool  # False: computed from an earlier state of a running evaluation


def fingerprints(session: Session, evaluations: Sequence[Evaluation]) -> dict[str, str]:
    versions = results_version.versions(session, [e.id for e in evaluations])
    out = {}
    for evaluation in evaluations:
        tasks = hashlib.blake2b(
            orjson.dumps(evaluation.tasks, option=orjson.OPT_SORT_KEYS), digest_size=8
        ).hexdigest()
        out[evaluation.id] = (
            f"{versions[evaluation.id]}/{evaluation.item_count}/{evaluation.status}/"
            f"{evaluation.run_number}/{tasks}"
        )
    return out


def kept(
    session: Session,
    evaluation: Evaluation,
    kind: str,
    compute: Callable[[], Any],
    *,
    stale_ok: bool = False,
) -> Kept:
    """The evaluation's `kind` figure: kept if current (or usable stale), else computed by
    `compute` (in `session`'s snapshot) and kept."""
    found = kept_many(
        session,
        [evaluation],
        kind,
        lambda missing: {e.id: compute() for e in missing},
        stale_ok=stale_ok,
    )
    return found[evaluation.id]


def kept_many(
    session: Session,
    evaluations: Sequence[Evaluation],
    kind: str,
    compute: Callable[[list[Evaluation]], dict[str, Any]],
    *,
    stale_ok: bool = False,
) -> dict[str, Kept]:
    """`kept` for several evaluations: one read of their rows, one `compute` of the missing."""
    if not evaluations:
        return {}
    marks = fingerprints(session, evaluations)
    rows = {
        row.evaluation_id: row
        for row in session.scalars(
            select(K).where(K.evaluation_id.in_(list(marks)), K.kind == kind)
        )
    }
    now = datetime.now(UTC)
    out: dict[str, Kept] = {}
    missing: list[Evaluation] = []
    for evaluation in evaluations:
        row = rows.get(evaluation.id)
        if row is not None and row.fingerprint == marks[evaluation.id]:
            out[evaluation.id] = Kept(orjson.loads(row.payload), row.computed_at, True)
        elif row is not None and stale_ok and _still_usable(evaluation, row, now):
            out[evaluation.id] = Kept(orjson.loads(row.payload), row.computed_at, False)
        else:
            missing.append(evaluation)
    if not missing:
        return out
    started = time.perf_counter()
    computed = compute(missing)
    cost_ms = (time.perf_counter() - started) * 1000 / len(missing)
    store(
        session,
        [
            StoredRow(
                evaluation.id, kind, marks[evaluation.id], computed[evaluation.id], now, cost_ms
            )
            for evaluation in missing
        ],
    )
    for evaluation in missing:
        out[evaluation.id] = Kept(computed[evaluation.id], now, True)
    return out


def _still_usable(evaluation: Evaluation, row: EvaluationKeptResult, now: datetime) -> bool:
    if evaluation.status != "running" or row.compute_ms < STALE_FROM_MS:
        return False
    return now - row.computed_at < timedelta(milliseconds=row.compute_ms * STALE_FACTOR)


@dataclass(frozen=True)
class StoredRow:
    evaluation_id: str
    kind: str
    fingerprint: str
    value: Any  # JSON values
    computed_at: datetime
    compute_ms: float


def lookup(session: Session, evaluation_id: str, kind: str, fingerprint: str) -> Any | None:
    """The figure kept under (evaluation, kind) if it was computed from `fingerprint`'s state,
    else None (for figures whose fingerprint is not the evaluation's alone)."""
    payload = session.scalar(
        select(K.payload).where(
            K.evaluation_id == evaluation_id, K.kind == kind, K.fingerprint == fingerprint
        )
    )
    return orjson.loads(payload) if payload is not None else None


def store(session: Session, rows: Sequence[StoredRow]) -> None:
    """Upsert the rows in a write transaction of their own (the caller's session reads)."""
    stmt = dialect_insert(session)(K).values(
        [
            {
                "evaluation_id": row.evaluation_id,
                "kind": row.kind,
                "fingerprint": row.fingerprint,
                "payload": orjson.dumps(row.value),
                "computed_at": row.computed_at,
                "compute_ms": row.compute_ms,
            }
            for row in rows
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[K.evaluation_id, K.kind],
        set_={
            "fingerprint": stmt.excluded.fingerprint,
            "payload": stmt.excluded.payload,
            "computed_at": stmt.excluded.computed_at,
            "compute_ms": stmt.excluded.compute_ms,
        },
    )
    write_apart(session, stmt)
