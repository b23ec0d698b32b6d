"""From people's answers to the item's result: the `task_results` cell of each alias.

Once every CONTRIBUTOR_ANNOTATION task of an item in a queue is done (COMPLETED or FIXED), each
alias of the queue gets a `completed` cell:

- numbers (rating, number, a rubric's weighted score): the mean of the reviewers' answers;
- anything else (a choice, a list of choices, text, a form, a timestamp): the majority answer,
  compared as JSON, a list of choices or timestamps as a set. A tie goes to the tied answer submitted first, so a result never changes
  by itself and the first reviewer to commit to an answer decides a 1-1 split.

An audit answer replaces that: for each alias an auditor answered, the cell holds the answer of
the highest COMPLETED audit level, whatever the reviewers said. An alias nobody answered (an
optional question) gets a `skipped` cell, unless it holds a prefilled value, which then stays.
A human result replaces a prefilled one.

The cell's details keep every reviewer's answer and `agreement`, how many reviewers gave the
most common answer; the answers themselves stay in `annotation_answers`. Writing goes through
the engine's upsert (yardstick.execution.cells), which also bumps the evaluation's results
version, all in the caller's transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.annotation.questions import QueueQuestion
from yardstick.annotation.schemas import ANNOTATION, AUDIT, COMPLETED, DONE
from yardstick.execution.cells import upsert_cells
from yardstick.models import AnnotationAnswer, AnnotationTask, TaskResult
from yardstick.models.task_result import CellRow

SOURCE = "annotation"


@dataclass(frozen=True)
class _Given:
    task_id: str
    task_type: str
    slot: int
    reviewer: str
    value: Any
    details: dict[str, Any] | None
    submitted_at: datetime


_SCALARS = (str, int, float, bool)


def _key(value: Any) -> bytes:
    """Answers are the same answer when their keys are. A list of scalars (choices, several
    timestamps, kept in the order given) is a set, as agreement reads it
    (yardstick.agreement.values.classify): `[t1, t2]` and `[t2, t1]` are one answer."""
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        value = sorted({orjson.dumps(v) for v in value})
        return b"[" + b",".join(value) + b"]"
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _majority(answers: Sequence[_Given]) -> tuple[Any, int]:
    groups: dict[bytes, list[_Given]] = {}
    for given in sorted(answers, key=lambda g: (g.submitted_at, g.slot)):
        groups.setdefault(_key(given.value), []).append(given)
    # dicts keep insertion order, here the order of each answer's first submit: max() keeps the
    # first of equal counts, the tie rule.
    winner = max(groups.values(), key=len)
    return winner[0].value, len(winner)


def _mean(answers: Sequence[_Given]) -> tuple[float, int]:
    _, agreement = _majority(answers)
    return fmean(float(given.value) for given in answers), agreement


def _criteria_means(answers: Sequence[_Given]) -> list[dict[str, Any]] | None:
    rows = [given.details["criteria"] for given in answers if given.details]
    if not rows:
        return None
    return [
        {
            **{k: v for k, v in first.items() if k != "score"},
            "score": fmean(r[i]["score"] for r in rows),
        }
        for i, first in enumerate(rows[0])
    ]


def _reviewer_json(given: _Given) -> dict[str, Any]:
    entry = {
        "reviewer": given.reviewer,
        "task_id": given.task_id,
        "slot": given.slot,
        "value": given.value,
        "submitted_at": given.submitted_at.isoformat().replace("+00:00", "Z"),
    }
    if given.details:
        entry["criteria"] = given.details.get("criteria")
    return entry


def _answers(session: Session, item_id: str, queue_id: str) -> dict[str, list[_Given]]:
    """{alias: answers} of the item's done tasks in the queue, annotations and audits, in the
    order they were submitted."""
    stmt = (
        select(
            AnnotationAnswer.alias,
            AnnotationTask.id,
            AnnotationTask.task_type,
            AnnotationTask.slot,
            AnnotationAnswer.reviewer,
            AnnotationAnswer.value,
            AnnotationAnswer.details,
            AnnotationAnswer.created_at,
        )
        .join(AnnotationTask, AnnotationTask.id == AnnotationAnswer.task_id)
        .where(
            AnnotationTask.evaluation_item_id == item_id,
            AnnotationTask.queue_id == queue_id,
            AnnotationTask.status.in_(DONE),
        )
        .order_by(AnnotationAnswer.created_at, AnnotationTask.task_type, AnnotationTask.slot)
    )
    out: dict[str, list[_Given]] = {}
    for alias, *given in session.execute(stmt).tuples():
        out.setdefault(alias, []).append(_Given(*given))
    return out


def _cell(
    evaluation_id: str, item_id: str, alias: str, value: Any, details: dict[str, Any], now: datetime
) -> CellRow:
    return CellRow(
        item_id=item_id,
        alias=alias,
        evaluation_id=evaluation_id,
        status="completed" if details.get("method") != "unanswered" else "skipped",
        value=value,
        error_type=None,
        error_message=None,
        details=details,
        latency_ms=None,
        prompt_tokens=None,
        completion_tokens=None,
        cost_usd=None,
        attempts=1,
        started_at=now,
        finished_at=now,
    )


def _result(
    question: QueueQuestion, reviews: list[_Given], audits: list[_Given]
) -> tuple[Any, dict[str, Any]]:
    """The alias's value and the cell's details."""
    details: dict[str, Any] = {
        "source": SOURCE,
        "reviewers": [_reviewer_json(given) for given in reviews],
    }
    if reviews:
        value, agreement = _mean(reviews) if question.numeric else _majority(reviews)
        details.update(method="mean" if question.numeric else "majority", agreement=agreement)
        if question.rubric is not None:
            details["criteria"] = _criteria_means(reviews)
    else:
        value = None
        details.update(method="unanswered", agreement=0)
    if audits:
        audit = max(audits, key=lambda given: given.slot)
        value = audit.value
        details.update(method="audit", audit=_reviewer_json(audit) | {"level": audit.slot})
    return value, details


def settle(
    session: Session,
    *,
    evaluation_id: str,
    item_id: str,
    queue_id: str,
    questions: Sequence[QueueQuestion],
    now: datetime,
) -> bool:
    """Write the item's cells for the queue's aliases if its answers are in (see the module's
    docstring); whether anything was written. The caller holds the item's lock for the queue
    (the repository's `serialise`), so the statuses read here are the last committed."""
    tasks = (
        session.execute(
            select(AnnotationTask.task_type, AnnotationTask.status).where(
                AnnotationTask.evaluation_item_id == item_id, AnnotationTask.queue_id == queue_id
            )
        )
        .tuples()
        .all()
    )
    annotations = [status for task_type, status in tasks if task_type == ANNOTATION]
    reviewed = bool(annotations) and all(status in DONE for status in annotations)
    audited = any(task_type == AUDIT and status == COMPLETED for task_type, status in tasks)
    if not reviewed and not audited:
        return False
    answers = _answers(session, item_id, queue_id)
    prefilled = set(
        session.scalars(
            select(TaskResult.alias).where(
                TaskResult.item_id == item_id,
                TaskResult.alias.in_([q.alias for q in questions]),
                TaskResult.status == "prefilled",
            )
        )
    )
    rows = []
    for question in questions:
        given = answers.get(question.alias, [])
        reviews = [g for g in given if g.task_type == ANNOTATION] if reviewed else []
        audits = [g for g in given if g.task_type == AUDIT]
        if not reviews and not audits and (not reviewed or question.alias in prefilled):
            continue  # nothing to say yet, or nothing said over a prefilled value
        value, details = _result(question, reviews, audits)
        rows.append(_cell(evaluation_id, item_id, question.alias, value, details, now))
    if rows:
        upsert_cells(session, rows)
    return bool(rows)


def differs(question: QueueQuestion, a: Any, b: Any) -> bool:
    """Whether two answers to the question differ (numbers by value, others as JSON)."""
    if question.numeric and isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) != float(b)
    return _key(a) != _key(b)
