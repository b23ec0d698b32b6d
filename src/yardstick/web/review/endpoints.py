"""The review screen: `/review` (the account's queues), `/review?queue_id=Q` (the caller's
next task of the queue, claimed on the way; `evaluation_id` keeps to one evaluation's items,
`task_id` shows one of the caller's answered tasks instead) and the form's two posts, answer
and skip. A post that works redirects to the next task (POST, redirect, GET); one the service
refuses shows the task again with the message and the form as sent, with the refusal's status.

Every route takes a write session: claiming writes, and reading tasks first promotes the ones
whose items became ready.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from yardstick.db.session import WriteSessionDep
from yardstick.web.auth import CsrfChecked, SignedIn
from yardstick.web.pages import PageRoute, render
from yardstick.web.review.service import Done, EmptyPage, Scope
from yardstick.web.review.service import review_page_service as pages

router = APIRouter(prefix="/review", route_class=PageRoute, include_in_schema=False)


async def _form(request: Request) -> FormData:
    # The form FastAPI already parsed for the Form() parameters (Starlette keeps it).
    return await request.form()


SentForm = Annotated[FormData, Depends(_form)]


@router.get("")
def review(
    request: Request,
    web: SignedIn,
    session: WriteSessionDep,
    queue_id: str = "",
    evaluation_id: str = "",
    task_id: str = "",
    done: Done | None = None,
) -> Response:
    if not queue_id:
        return render(
            request, "review/queues.html", {"queues": pages.queues(session, web.principal)}
        )
    scope = Scope(queue_id, evaluation_id or None)
    if task_id:
        return render(
            request,
            "review/task.html",
            {"page": pages.past(session, web.principal, scope, task_id)},
        )
    found = pages.current(session, web.principal, scope, done)
    if isinstance(found, EmptyPage):
        return render(request, "review/empty.html", {"page": found})
    return render(request, "review/task.html", {"page": found})


def _act(
    request: Request,
    action: Literal["submit", "skip"],
    task_id: str,
    web: CsrfChecked,
    session: WriteSessionDep,
    form: FormData,
    queue_id: str,
    evaluation_id: str,
) -> Response:
    scope = Scope(queue_id, evaluation_id or None)
    refused = pages.act(session, web.principal, scope, task_id, action=action, form=form)
    if refused is not None:
        page, error = refused
        return render(request, "review/task.html", {"page": page}, status_code=error.status_code)
    done = "submitted" if action == "submit" else "skipped"
    return RedirectResponse(scope.url(done=done), status_code=303)


@router.post("/tasks/{task_id}/submit")
def submit(
    request: Request,
    task_id: str,
    web: CsrfChecked,
    session: WriteSessionDep,
    form: SentForm,
    queue_id: Annotated[str, Form(min_length=1)],
    evaluation_id: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, "submit", task_id, web, session, form, queue_id, evaluation_id)


@router.post("/tasks/{task_id}/skip")
def skip(
    request: Request,
    task_id: str,
    web: CsrfChecked,
    session: WriteSessionDep,
    form: SentForm,
    queue_id: Annotated[str, Form(min_length=1)],
    evaluation_id: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, "skip", task_id, web, session, form, queue_id, evaluation_id)
