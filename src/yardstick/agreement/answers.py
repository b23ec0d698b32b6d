"""Reviewers' answers to an evaluation's contributor aliases, read from `annotation_answers`.

An answer counts when its task is a contributor annotation (`CONTRIBUTOR_ANNOTATION`; an
audit's answer corrects one, it is not another independent rating) and is done: `COMPLETED`,
or `FIXED` (an auditor corrected the item; the reviewer's own answer is still what they gave,
and leaving it out would drop exactly the disagreements audits are for, raising agreement).
A task sent back for a redo counts again once it is answered again. A reviewer counts once per item
and alias: should one have answered an item twice (two of its slots), the later answer stands
and the earlier is counted in `replaced`, since two ratings by one person are not two raters.

The rows are few next to the cells (people answer a few thousand items, not a million), so
they are read as rows through the evaluation's answers index, in item id order: row order.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.models import AnnotationAnswer, AnnotationTask, Evaluation

CONTRIBUTOR_TASK = "contributor_evaluation.question"
COUNTED_TASK_TYPE = "CONTRIBUTOR_ANNOTATION"
COUNTED_STATUSES = ("COMPLETED", "FIXED")


@dataclass(frozen=True)
class Answer:
    reviewer: str
    value: Any


@dataclass(frozen=True)
class ItemAnswers:
    item_id: str
    answers: list[Answer]  # one per reviewer, by reviewer id


@dataclass
class AliasAnswers:
    """One alias's answers: every item with one, in row order."""

    items: list[ItemAnswers] = field(default_factory=list)
    replaced: int = 0  # earlier answers of a reviewer who answered the item again


def contributor_aliases(evaluation: Evaluation) -> list[str]:
    """The aliases reviewers answer: the evaluation's contributor tasks, in task order."""
    return [task["alias"] for task in evaluation.tasks if task["task_type"] == CONTRIBUTOR_TASK]


def read(session: Session, evaluation_id: str, aliases: list[str]) -> dict[str, AliasAnswers]:
    a, t = AnnotationAnswer, AnnotationTask
    stmt = (
        select(a.alias, a.evaluation_item_id, a.reviewer, a.value)
        .join(t, t.id == a.task_id)
        .where(
            a.evaluation_id == evaluation_id,
            a.alias.in_(aliases),
            t.task_type == COUNTED_TASK_TYPE,
            t.status.in_(COUNTED_STATUSES),
        )
        # Within an item and reviewer, the latest answer last: it replaces the earlier.
        .order_by(a.alias, a.evaluation_item_id, a.created_at, a.task_id)
    )
    out = {alias: AliasAnswers() for alias in aliases}
    current: tuple[str, str] | None = None
    by_reviewer: dict[str, Any] = {}

    def close() -> None:
        if current is not None:
            answers = [Answer(r, by_reviewer[r]) for r in sorted(by_reviewer)]
            out[current[0]].items.append(ItemAnswers(current[1], answers))

    for alias, item_id, reviewer, value in session.execute(stmt).tuples():
        if (alias, item_id) != current:
            close()
            current, by_reviewer = (alias, item_id), {}
        if reviewer in by_reviewer:
            out[alias].replaced += 1
        by_reviewer[reviewer] = value
    close()
    return out
