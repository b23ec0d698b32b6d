"""Rules for questions: infer the type from the configuration's shape, then validate it;
rename, archive (a soft delete) and restore.

Type, prompt, configuration and conditions are fixed at creation, so an evaluation that names
a question always asks the same thing. Archive and restore are idempotent (they return the
current state); renaming an archived question is a conflict, so it must be restored first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import AppError, Conflict, Unprocessable
from yardstick.kit.pagination import Page, PageParams, paginate
from yardstick.models import Question
from yardstick.question.repository import question_repository
from yardstick.question.schemas import (
    CONFIGURATIONS,
    INFERENCE_KEYS,
    OPTIONAL_CONFIGURATION,
    QuestionCreate,
    QuestionUpdate,
)

# `sort_by` values a question list accepts besides the default (creation order).
SORTABLE = {"name": Question.name}


class InvalidConfiguration(Unprocessable):
    """Every problem of one configuration at once, each naming its field under `configuration`."""

    def __init__(self, exc: ValidationError) -> None:
        AppError.__init__(
            self,
            [
                {
                    "loc": ["body", "configuration", *error["loc"]],
                    "msg": error["msg"].removeprefix("Value error, "),
                    "type": error["type"],
                }
                for error in exc.errors(include_url=False)
            ],
        )


def infer_question_type(configuration: dict[str, Any] | None) -> str:
    """The question type a configuration's keys imply, else a 422."""
    for key, question_type in INFERENCE_KEYS:
        if key in (configuration or {}):
            return question_type
    raise Unprocessable(
        ["body", "question_type"],
        "question_type is required when the configuration does not show it "
        "(choices → categorical, steps/min_label/max_label → rating, form_schema → form, "
        "min_length/max_length → free_text, min/max → number, only multi → timestamp)",
    )


def validate_configuration(
    question_type: str, configuration: dict[str, Any] | None
) -> dict[str, Any]:
    """The normalized configuration of `question_type`, or a 422 naming each bad field."""
    if configuration is None:
        if question_type in OPTIONAL_CONFIGURATION:
            return {}
        raise Unprocessable(
            ["body", "configuration"], f"a {question_type} question requires a configuration"
        )
    try:
        parsed = CONFIGURATIONS[question_type].model_validate(configuration)
    except ValidationError as exc:
        raise InvalidConfiguration(exc) from exc
    return parsed.model_dump(exclude_none=True)


class QuestionService:
    def create(self, session: Session, principal: Principal, *, body: QuestionCreate) -> Question:
        question_type = body.question_type or infer_question_type(body.configuration)
        question = Question(
            account_id=principal.account_id,
            name=body.name,
            prompt=body.prompt,
            question_type=question_type,
            configuration=validate_configuration(question_type, body.configuration),
            conditions=body.conditions,
            created_by_user_id=principal.user_id,
        )
        session.add(question)
        session.flush()
        return question

    def get(self, session: Session, principal: Principal, question_id: str) -> Question:
        """The question, archived or not; another account's is as unknown as a missing one."""
        return question_repository.require(
            session, account_id=principal.account_id, row_id=question_id
        )

    def list(
        self,
        session: Session,
        principal: Principal,
        *,
        params: PageParams,
        ids: Sequence[str],
        include_archived: bool,
    ) -> Page:
        return paginate(
            session,
            question_repository.list_stmt(
                account_id=principal.account_id, ids=ids, include_archived=include_archived
            ),
            key=Question.id,
            params=params,
            cursor_exists=question_repository.cursor_check(session, principal.account_id),
            sortable=SORTABLE,
        )

    def update(
        self, session: Session, principal: Principal, question_id: str, *, body: QuestionUpdate
    ) -> Question:
        question = self.get(session, principal, question_id)
        if question.archived_at is not None:
            raise Conflict(f"question {question_id!r} is archived: restore it before renaming it")
        question.name = body.name
        session.flush()
        return question

    def archive(self, session: Session, principal: Principal, question_id: str) -> Question:
        question = self.get(session, principal, question_id)
        if question.archived_at is None:
            question.archived_at = utcnow()
            session.flush()
        return question

    def restore(self, session: Session, principal: Principal, question_id: str) -> Question:
        question = self.get(session, principal, question_id)
        if question.archived_at is not None:
            question.archived_at = None
            session.flush()
        return question


question_service = QuestionService()
