"""Sign-in for the web UI: a sealed session cookie, checked by the API's own key check.

`/login` takes an account id and an API key and hands them to `yardstick.auth.dependencies.
authenticate`, exactly as the `x-api-key` and `x-selected-account-id` headers would be: a key
is valid for the UI when and only when it is valid for the API. The session cookie then holds
the account id, the key, the session's CSRF token and the time of sign-in, sealed with AES-GCM
(`SecretBox`) under a key of its own derived from the server's master key
(`yardstick.secret_box`): the browser holds nothing it can read or change, and no server-side
table is needed. Every page opens the cookie and checks the key again through `authenticate`
(cached for a few seconds there), so revoking a key ends its sessions within
`yardstick.auth.dependencies.CACHE_SECONDS`, as it does for the API.

The cookie is HttpOnly (no script reads it), SameSite=Lax (not sent with another site's POST)
and Secure when the request came over HTTPS. A session lasts SESSION_SECONDS from sign-in;
sign-out deletes the cookie. Without a table there is no server-side revocation of one session:
a copy of the cookie taken before sign-out works until it expires or its key is revoked.

CSRF: every form carries the session's random token (`csrf_token`), and every POST is refused
(403) unless it matches the one sealed in the cookie. The sign-in form, before any session,
uses a token bound to a random cookie of its own by an HMAC under another derived key.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

import orjson
from fastapi import Depends, Form, Request, Response

from yardstick.auth.dependencies import authenticate
from yardstick.auth.rate_limit import spend
from yardstick.auth.service import Principal, key_hasher
from yardstick.errors import AppError, Forbidden
from yardstick.secret_box import SecretBox, SecretUnreadable, secret_box

SESSION_COOKIE = "yardstick_session"
LOGIN_COOKIE = "yardstick_login"
SESSION_SECONDS = 12 * 3600
_KIND = "web-session"


class SignInRequired(AppError):
    """No valid session: pages answer with a redirect to `/login` (see `pages.PageRoute`)."""

    status_code = 401

    def __init__(self, path: str) -> None:
        super().__init__("sign in to see this page")
        self.path = path


@dataclass(frozen=True)
class WebSession:
    principal: Principal
    csrf_token: str

    @property
    def account_id(self) -> str:
        return self.principal.account_id


def _box(request: Request) -> SecretBox:
    # A key of its own: a session cookie can never open as a stored credential, nor the reverse.
    return SecretBox(secret_box(request.app.state.settings).derive("web-session-cookie"))


def _login_key(request: Request) -> bytes:
    return secret_box(request.app.state.settings).derive("web-login-csrf")


def seal_session(request: Request, *, account_id: str, api_key: str) -> str:
    payload = orjson.dumps(
        {"a": account_id, "k": api_key, "c": secrets.token_urlsafe(32), "t": int(time.time())}
    ).decode()
    sealed = _box(request).seal(payload, kind=_KIND, account_id="", object_id="")
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def _open_session(request: Request, cookie: str) -> tuple[str, str, str] | None:
    """(account id, API key, CSRF token) of an unexpired cookie, or None."""
    try:
        sealed = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
        payload = orjson.loads(_box(request).open(sealed, kind=_KIND, account_id="", object_id=""))
    except (binascii.Error, ValueError, SecretUnreadable):
        return None
    if not isinstance(payload, dict) or time.time() - payload.get("t", 0) > SESSION_SECONDS:
        return None
    return payload["a"], payload["k"], payload["c"]


async def check_key(request: Request, *, account_id: str, api_key: str) -> Principal | None:
    """The Principal the API would give these two headers, or None."""
    try:
        return await authenticate(
            request.app.state.sessions,
            key_hasher(request.app.state.settings),
            api_key,
            account_id,
        )
    except AppError:
        return None


async def current_session(request: Request) -> WebSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    opened = _open_session(request, cookie) if cookie else None
    if opened is None:
        return None
    account_id, api_key, csrf_token = opened
    principal = await check_key(request, account_id=account_id, api_key=api_key)
    return None if principal is None else WebSession(principal, csrf_token)


async def require_session(request: Request) -> WebSession:
    """The signed-in session, or SignInRequired (a redirect to `/login`)."""
    session = await current_session(request)
    if session is None:
        raise SignInRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    request.state.web_session = session  # for the templates (navigation, sign-out form)
    spend(request.app.state.key_limiter, session.principal.user_id)  # a 429 page past it
    return session


SignedIn = Annotated[WebSession, Depends(require_session)]


async def require_csrf(
    session: SignedIn, csrf_token: Annotated[str, Form(description="The form's CSRF token")] = ""
) -> WebSession:
    """A signed-in POST whose form carries the session's CSRF token; else 403."""
    if not hmac.compare_digest(csrf_token.encode(), session.csrf_token.encode()):
        raise Forbidden("the form's CSRF token is missing or wrong: reload the page and try again")
    return session


CsrfChecked = Annotated[WebSession, Depends(require_csrf)]


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


# The sign-in form's CSRF token ------------------------------------------------------------------


def login_token(request: Request, nonce: str) -> str:
    return hmac.new(_login_key(request), nonce.encode(), hashlib.sha256).hexdigest()


def new_login_nonce(request: Request) -> str:
    """The sign-in cookie's random value: reused while the browser has one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def login_token_valid(request: Request, token: str) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    return bool(nonce) and hmac.compare_digest(token, login_token(request, nonce or ""))


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path of this site only (never `//host` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/evaluations"
    return target


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")
