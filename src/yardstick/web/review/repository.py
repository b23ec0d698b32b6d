"""The SQL of the queue list (`/review`) that no annotation service runs: tasks counted by
queue and status, and the names of the evaluations whose default queues these are.

The counts are one grouped pass over the account's range of the queue index (account_id,
queue_id, status, position): no task row is read. A queue's id is its evaluation's id unless
its tasks name another, so the names are a primary-key lookup of those ids; a queue with its
own id is shown by that id.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yardstick.models import AnnotationTask, Evaluation

T = AnnotationTask


@dataclass
class QueueCounts:
    queue_id: str
    by_status: dict[str, int] = field(default_factory=dict)


class ReviewPageRepository:
    def queue_counts(
        self, session: Session, *, account_id: str, queue_id: str | None = None
    ) -> list[QueueCounts]:
        """Every queue of the account (or one) with its tasks (of every type) counted by
        status, those of archived evaluations left out: they are handed out no more (a named
        queue shared by a live evaluation and an archived one counted both)."""
        stmt = (
            select(T.queue_id, T.status, func.count())
            .join(Evaluation, Evaluation.id == T.evaluation_id)
            .where(T.account_id == account_id, Evaluation.archived_at.is_(None))
            .group_by(T.queue_id, T.status)
        )
        if queue_id is not None:
            stmt = stmt.where(T.queue_id == queue_id)
        queues: dict[str, QueueCounts] = {}
        for queue, status, count in session.execute(stmt).tuples():
            queues.setdefault(queue, QueueCounts(queue)).by_status[status] = count
        return list(queues.values())

    def an_evaluation_of(self, session: Session, *, account_id: str, queue_id: str) -> str | None:
        """The live evaluation of the queue's first task: where a queue with its own id leads
        back to."""
        stmt = (
            select(T.evaluation_id)
            .join(Evaluation, Evaluation.id == T.evaluation_id)
            .where(
                T.account_id == account_id,
                T.queue_id == queue_id,
                Evaluation.archived_at.is_(None),
            )
            .order_by(T.status, T.position)
            .limit(1)
        )
        return session.scalar(stmt)

    def evaluations(
        self, session: Session, *, account_id: str, ids: Sequence[str]
    ) -> dict[str, Evaluation]:
        """The account's evaluations among `ids` (archived ones too: the caller decides)."""
        found: dict[str, Evaluation] = {}
        wanted = list(ids)
        for start in range(0, len(wanted), 500):  # under every driver's bound-parameter limit
            stmt = select(Evaluation).where(
                Evaluation.account_id == account_id,
                Evaluation.id.in_(wanted[start : start + 500]),
            )
            found.update((row.id, row) for row in session.scalars(stmt))
        return found


review_page_repository = ReviewPageRepository()
