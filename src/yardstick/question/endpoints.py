from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.query import split_comma_list
from yardstick.kit.responses import JSONBody
from yardstick.question.schemas import (
    QuestionCreate,
    QuestionList,
    QuestionOut,
    QuestionUpdate,
    question_json,
)
from yardstick.question.service import question_service

router = APIRouter(prefix="/v5/questions", tags=["questions"], route_class=OrjsonRoute)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such question in this account"}
}
_ARCHIVED: dict[int | str, dict[str, Any]] = {
    409: {"description": "The question is archived: restore it first (x-should-retry: false)"}
}


def _ids_filter(
    ids: Annotated[list[str] | None, Query(description="Only these questions (comma list)")] = None,
    ids_brackets: Annotated[list[str] | None, Query(alias="ids[]", include_in_schema=False)] = None,
) -> list[str]:
    return split_comma_list(ids, ids_brackets)


IncludeArchived = Annotated[bool, Query(description="Include archived questions")]


@router.post("", response_model=QuestionOut)
def create_question(
    body: QuestionCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Create a question; its type is inferred from the configuration when not given."""
    question = question_service.create(session, principal, body=body)
    return JSONBody(question_json(question))


@router.get("/{question_id}", response_model=QuestionOut, responses=_NOT_FOUND)
def get_question(question_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a question, archived or not."""
    return JSONBody(question_json(question_service.get(session, principal, question_id)))


@router.get("", response_model=QuestionList)
def list_questions(
    principal: PrincipalDep,
    session: ReadSessionDep,
    params: NewestFirst,
    ids: Annotated[list[str], Depends(_ids_filter)],
    include_archived: IncludeArchived = False,
) -> JSONBody:
    """List questions, newest first; archived ones only with `include_archived`."""
    page = question_service.list(
        session, principal, params=params, ids=ids, include_archived=include_archived
    )
    return JSONBody(page.envelope([question_json(row[0]) for row in page.rows]))


@router.patch("/{question_id}", response_model=QuestionOut, responses={**_NOT_FOUND, **_ARCHIVED})
def update_question(
    question_id: str, body: QuestionUpdate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Rename a question; nothing else about it can change."""
    question = question_service.update(session, principal, question_id, body=body)
    return JSONBody(question_json(question))


@router.delete("/{question_id}", response_model=QuestionOut, responses=_NOT_FOUND)
def archive_question(
    question_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Archive a question (a soft delete; idempotent); returns it with `archived_at`."""
    return JSONBody(question_json(question_service.archive(session, principal, question_id)))


@router.post("/{question_id}/restore", response_model=QuestionOut, responses=_NOT_FOUND)
def restore_question(
    question_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Restore an archived question (idempotent)."""
    return JSONBody(question_json(question_service.restore(session, principal, question_id)))
