from fastapi import APIRouter

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import ReadSessionDep, WriteSessionDep
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.pagination import NewestFirst
from yardstick.kit.responses import JSONBody
from yardstick.question.schemas import QuestionCreate, QuestionOut, question_json
from yardstick.question.service import question_service

router = APIRouter(prefix="/v5/questions", tags=["questions"], route_class=OrjsonRoute)


@router.post("", response_model=QuestionOut)
def create_question(
    body: QuestionCreate, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Create a question; its type is inferred from the configuration when not given."""
    question = question_service.create(session, principal, body=body)
    return JSONBody(question_json(question))


@router.get("/{question_id}", response_model=QuestionOut)
def get_question(question_id: str, principal: PrincipalDep, session: ReadSessionDep) -> JSONBody:
    """Retrieve a question."""
    return JSONBody(question_json(question_service.get(session, principal, question_id)))


@router.get("")
def list_questions(
    principal: PrincipalDep, session: ReadSessionDep, params: NewestFirst
) -> JSONBody:
    """List questions, newest first."""
    page = question_service.list(session, principal, params=params)
    return JSONBody(page.envelope([question_json(row[0]) for row in page.rows]))
