"""Rendering pages, and the route class every page uses.

`render` fills a template from `templates/` with the request's context (who is signed in, the
CSRF token for forms). `PageRoute` runs a page's handler and answers its errors as pages: a
missing sign-in redirects to `/login` (htmx requests get `HX-Redirect` instead, since a swap
would put the sign-in page inside the current one); an AppError (404 for an unknown or another
account's id, 400/403/422) and FastAPI's own validation errors become the error page with their
status, naming the parameter at fault. Anything else stays a bug: the app's handler answers 500.

Every page carries a Content-Security-Policy that allows scripts, styles and images from this
server only: no inline script or style runs, so text from an evaluation can never run as code
even if escaping failed somewhere.
"""

import math
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from yardstick.errors import AppError
from yardstick.web.auth import SignInRequired, login_url

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _ts(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cost(value: float | None) -> str:
    """Dollars to the cent from $100, to four decimals below; under a hundredth of a cent,
    two significant digits (a cheap model's cell, $0.000035, read "$0.0000")."""
    if value is None:
        return "—"
    if 0 < value < 1e-9:
        return "<$0.000000001"  # a billionth of a dollar: what the usage sums keep
    if 0 < value < 0.0001:
        return f"${value:.{1 - math.floor(math.log10(value))}f}"
    return f"${value:,.4f}" if value < 100 else f"${value:,.2f}"


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) < 1e15
    ):
        return f"{int(value):,}"
    if not math.isfinite(value):
        return str(value)
    return (
        f"{value:.{digits}g}" if abs(value) >= 1e6 or abs(value) < 1e-3 else f"{value:.{digits}f}"
    )


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def _json(value: Any) -> str:
    """A value as text: strings as they are, anything else as indented JSON."""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


ENV = Environment(
    loader=PackageLoader("yardstick.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(ts=_ts, cost=_cost, number=_number, percent=_percent, json=_json)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    session = getattr(request.state, "web_session", None)
    html = ENV.get_template(template).render(
        request=request,
        session=session,
        path=request.url.path,
        **(context or {}),
    )
    return HTMLResponse(
        html, status_code=status_code, headers={"content-security-policy": CSP, **(headers or {})}
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def problems(exc: Exception) -> list[tuple[str, str]]:
    """(parameter, message) pairs of a validation error, for the error page."""
    errors: list[Any]
    if isinstance(exc, RequestValidationError):
        errors = list(exc.errors())
    elif isinstance(exc, AppError) and isinstance(exc.detail, list):
        errors = exc.detail
    else:
        return []
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", [])]
        name = ".".join(loc[1:] if loc and loc[0] in ("query", "path", "body") else loc)
        message = str(error.get("msg", "")).removeprefix("Value error, ")  # pydantic's own
        out.append((name or "request", message))
    return out


_TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    422: "Invalid parameter",
    429: "Too many requests",
}
# Where an error page leads back to: the section of the UI the failed page belongs to.
_SECTIONS = {
    "evaluations": "the evaluations",
    "datasets": "the datasets",
    "dashboards": "the dashboards",
    "review": "your review queues",
    "compare": "the comparison form",
}


def _back(path: str) -> tuple[str, str]:
    """(href, what it is) of the section holding `path`; the evaluations outside them all."""
    section = path.strip("/").split("/", 1)[0]
    if section not in _SECTIONS:
        section = "evaluations"
    return f"/{section}", _SECTIONS[section]


def error_page(request: Request, status_code: int, detail: Any, exc: Exception) -> HTMLResponse:
    named = problems(exc)
    message = "" if named else str(detail)
    back_href, back_label = _back(request.url.path)
    return render(
        request,
        "error.html",
        {
            "status_code": status_code,
            "title": _TITLES.get(status_code, "Error"),
            "message": message,
            "problems": named,
            "back_href": back_href,
            "back_label": back_label,
        },
        status_code=status_code,
        headers=dict(getattr(exc, "headers", None) or {}),  # a 429's retry-after
    )


def _page_of(request: Request) -> str | None:
    """The path (and query) of the page an htmx request was made from (its `HX-Current-URL`):
    signed in again, the person goes back to that page, not to the fragment it was polling
    (`/evaluations/{id}/progress` showed a bare section without the page around it). Only
    the path is taken, so `next` never leads to another site."""
    current = urlsplit(request.headers.get("hx-current-url", ""))
    if not current.path.startswith("/") or current.path.startswith("//"):
        return None
    return current.path + (f"?{current.query}" if current.query else "")


class PageRoute(APIRoute):
    """An APIRoute whose errors are pages (see the module doc)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                if is_htmx(request):
                    target = login_url(_page_of(request) or exc.path)
                    return Response(status_code=204, headers={"hx-redirect": target})
                return RedirectResponse(login_url(exc.path), status_code=303)
            except RequestValidationError as exc:
                return error_page(request, 422, exc.errors(), exc)
            except AppError as exc:
                return error_page(request, exc.status_code, exc.detail, exc)

        return page
