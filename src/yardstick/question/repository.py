from collections.abc import Sequence

from sqlalchemy import Select, select

from yardstick.kit.repository import AccountRepository
from yardstick.models import Question


class QuestionRepository(AccountRepository[Question]):
    """Archived questions are included by default: an evaluation that already names one keeps
    running, and retrieve shows it with its `archived_at`; a new task may name only a live one
    (`include_archived=False`)."""

    def list_stmt(
        self, *, account_id: str, ids: Sequence[str], include_archived: bool
    ) -> Select[Question]:
        stmt = select(Question).where(Question.account_id == account_id)
        if ids:
            stmt = stmt.where(Question.id.in_(ids))
        if not include_archived:
            stmt = stmt.where(Question.archived_at.is_(None))
        return stmt


question_repository = QuestionRepository(Question, "question")
