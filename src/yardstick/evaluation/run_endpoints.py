"""Routes that change a run after create: tasks added or changed, retry, cancel."""

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from yardstick.auth.dependencies import PrincipalDep
from yardstick.db.session import WriteSessionDep
from yardstick.evaluation.endpoints import render_evaluations
from yardstick.evaluation.run_control import run_control_service
from yardstick.evaluation.schemas import Budget, EvaluationOut
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.responses import JSONBody
from yardstick.task.spec import TaskIn

router = APIRouter(prefix="/v5/evaluations", tags=["evaluations"], route_class=OrjsonRoute)


class TaskAdd(BaseModel):
    task: TaskIn
    max_cost_usd: Budget = None


class TaskUpdate(BaseModel):
    configuration: dict[str, Any] = Field(description="Replaces the task's whole configuration")
    max_cost_usd: Budget = None


class Retry(BaseModel):
    aliases: list[str] | None = Field(
        default=None, description="Retry these tasks' errored cells (default: every task's)"
    )
    max_cost_usd: Budget = None


def _answer(session: WriteSessionDep, evaluation: Any) -> JSONBody:
    return JSONBody(render_evaluations(session, [evaluation], with_tasks=True)[0])


@router.post("/{evaluation_id}/tasks", response_model=EvaluationOut)
def add_task(
    evaluation_id: str, body: TaskAdd, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Add a task; its cells (and any that read its alias) are computed over every item."""
    evaluation = run_control_service.add_task(
        session, principal, evaluation_id, task=body.task, max_cost_usd=body.max_cost_usd
    )
    return _answer(session, evaluation)


@router.patch("/{evaluation_id}/tasks/{alias}", response_model=EvaluationOut)
def update_task(
    evaluation_id: str,
    alias: str,
    body: TaskUpdate,
    principal: PrincipalDep,
    session: WriteSessionDep,
) -> JSONBody:
    """Replace a task's configuration; its cells and those that read it are computed again."""
    evaluation = run_control_service.update_task(
        session,
        principal,
        evaluation_id,
        alias,
        configuration=body.configuration,
        max_cost_usd=body.max_cost_usd,
    )
    return _answer(session, evaluation)


@router.post("/{evaluation_id}/retry", response_model=EvaluationOut)
def retry_evaluation(
    evaluation_id: str,
    principal: PrincipalDep,
    session: WriteSessionDep,
    body: Annotated[Retry | None, Body()] = None,
) -> JSONBody:
    """Compute errored cells again (and the cells that read them), and any left pending."""
    evaluation = run_control_service.retry(
        session,
        principal,
        evaluation_id,
        aliases=body.aliases if body else None,
        max_cost_usd=body.max_cost_usd if body else None,
    )
    return _answer(session, evaluation)


@router.post("/{evaluation_id}/cancel", response_model=EvaluationOut)
def cancel_evaluation(
    evaluation_id: str, principal: PrincipalDep, session: WriteSessionDep
) -> JSONBody:
    """Stop a running evaluation: `failed`, finished cells kept; a retry resumes it."""
    return _answer(session, run_control_service.cancel(session, principal, evaluation_id))
