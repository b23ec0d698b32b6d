from collections.abc import Sequence

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from yardstick.models import Question


class QuestionRepository:
    def get(
        self,
        session: Session,
        *,
        account_id: str,
        question_id: str,
        include_archived: bool = True,
    ) -> Question | None:
        """Archived questions are included by default: an evaluation that already names one
        keeps running, and retrieve shows it with its `archived_at`."""
        stmt = select(Question).where(Question.id == question_id, Question.account_id == account_id)
        if not include_archived:
            stmt = stmt.where(Question.archived_at.is_(None))
        return session.scalar(stmt)

    def list_stmt(
        self, *, account_id: str, ids: Sequence[str], include_archived: bool
    ) -> Select[Question]:
        stmt = select(Question).where(Question.account_id == account_id)
        if ids:
            stmt = stmt.where(Question.id.in_(ids))
        if not include_archived:
            stmt = stmt.where(Question.archived_at.is_(None))
        return stmt

    def exists(
        self, session: Session, *, account_id: str, question_id: str, include_archived: bool = True
    ) -> bool:
        """Whether the account has the question; `include_archived=False` asks for a live one
        (what a new task may name)."""
        condition = [Question.id == question_id, Question.account_id == account_id]
        if not include_archived:
            condition.append(Question.archived_at.is_(None))
        return bool(session.scalar(select(exists().where(*condition))))


question_repository = QuestionRepository()
