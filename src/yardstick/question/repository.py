from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from yardstick.models import Question


class QuestionRepository:
    def get(self, session: Session, *, account_id: str, question_id: str) -> Question | None:
        return session.scalar(
            select(Question).where(Question.id == question_id, Question.account_id == account_id)
        )

    def list_stmt(self, *, account_id: str) -> Select[tuple[Question]]:
        return select(Question).where(Question.account_id == account_id)

    def exists(self, session: Session, *, account_id: str, question_id: str) -> bool:
        stmt = select(exists().where(Question.id == question_id, Question.account_id == account_id))
        return bool(session.scalar(stmt))


question_repository = QuestionRepository()
