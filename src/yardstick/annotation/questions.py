"""The questions a queue asks about each item: one per contributor task answered in it.

Each names its question (type, prompt, configuration: what a valid answer is), whether it must
be answered (`required`, true unless the task says false), and the rubric it is scored with,
if any: the criteria pinned in the task's configuration when it was created or changed.
Evaluations made before criteria were pinned for contributor tasks read the rubric's latest
version instead (and no rubric, if it cannot be used any more).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yardstick.annotation.queues import is_contributor, queue_id_of
from yardstick.auth.service import Principal
from yardstick.errors import Conflict
from yardstick.judge.answers import AnswerSpec, spec_for_question
from yardstick.models import Question
from yardstick.rubric.service import rubric_service
from yardstick.rubric.snapshot import BadSnapshot, RubricSnapshot, snapshot_of

# Question types whose answers are numbers: several reviewers' answers are averaged.
NUMERIC_TYPES = frozenset({"rating", "number"})


@dataclass(frozen=True)
class QueueQuestion:
    alias: str
    question: Question
    required: bool
    rubric: RubricSnapshot | None

    @property
    def numeric(self) -> bool:
        """Whether answers are numbers to average (a rubric's weighted score is one)."""
        return self.rubric is not None or self.question.question_type in NUMERIC_TYPES

    def spec(self) -> AnswerSpec:
        return spec_for_question(self.question.question_type, self.question.configuration)


def _rubric(
    session: Session, principal: Principal, config: dict[str, Any]
) -> RubricSnapshot | None:
    try:
        return snapshot_of(config)
    except BadSnapshot:
        found = rubric_service.snapshot(session, principal, config["rubric_id"], None)
        return found if isinstance(found, RubricSnapshot) else None


def queue_questions(
    session: Session,
    principal: Principal,
    *,
    evaluation_id: str,
    tasks: Sequence[dict[str, Any]],
    queue_id: str,
) -> list[QueueQuestion]:
    """The questions of the evaluation's queue, in task order."""
    members = [
        task
        for task in tasks
        if is_contributor(task) and queue_id_of(task, evaluation_id) == queue_id
    ]
    ids = {task["configuration"]["question_id"] for task in members}
    found = {
        question.id: question
        for question in session.scalars(
            select(Question).where(
                Question.account_id == principal.account_id, Question.id.in_(ids)
            )
        )
    }
    questions = []
    for task in members:
        config = task["configuration"]
        question = found.get(config["question_id"])
        if question is None:  # questions are never deleted; only archived
            raise Conflict(f"question {config['question_id']!r} of task {task['alias']!r} is gone")
        questions.append(
            QueueQuestion(
                alias=task["alias"],
                question=question,
                required=config.get("required") is not False,
                rubric=_rubric(session, principal, config),
            )
        )
    return questions
