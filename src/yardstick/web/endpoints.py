"""The UI's own pages: `/` (where to start), `/login`, `/logout`, and the 404 page of the UI's
paths that no page serves."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from yardstick.errors import Forbidden, NotFound
from yardstick.web.auth import (
    CsrfChecked,
    check_key,
    clear_session_cookie,
    current_session,
    login_token,
    login_token_valid,
    new_login_nonce,
    safe_next,
    seal_session,
    set_login_cookie,
    set_session_cookie,
)
from yardstick.web.pages import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    signed_in = await current_session(request) is not None
    return RedirectResponse("/evaluations" if signed_in else "/login", status_code=303)


def _login_form(
    request: Request, *, next_path: str, account_id: str = "", error: str = "", status: int = 200
) -> Response:
    nonce = new_login_nonce(request)
    response = render(
        request,
        "login.html",
        {
            "next_path": next_path,
            "account_id": account_id,
            "error": error,
            "login_token": login_token(request, nonce),
        },
        status_code=status,
    )
    set_login_cookie(request, response, nonce)
    return response


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, next_path=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    account_id: Annotated[str, Form()] = "",
    api_key: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not login_token_valid(request, csrf_token):
        raise Forbidden("the sign-in form's CSRF token is missing or wrong: reload the page")
    target = safe_next(next)
    principal = await check_key(request, account_id=account_id, api_key=api_key)
    if principal is None:
        # One message for both mistakes: the page does not tell which of the two was right.
        return _login_form(
            request,
            next_path=target,
            account_id=account_id,
            error="That account id and API key do not match a valid key.",
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(
        request, response, seal_session(request, account_id=account_id, api_key=api_key)
    )
    response.delete_cookie("yardstick_login", path="/login")
    return response


@router.post("/logout")
async def logout(_: CsrfChecked) -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/evaluations/{rest:path}", name="web_unknown_page")
async def unknown_page(rest: str) -> Response:
    """Registered last: a path under `/evaluations` that no page serves."""
    raise NotFound("page", f"/evaluations/{rest}")
