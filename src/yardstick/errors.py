"""Errors that carry their HTTP status, and the handlers that render them as `{"detail": ...}`."""

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from yardstick.db.retry import is_transient

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """The body of every error response: what went wrong, as text, or (a 422) field by field."""

    detail: str | list[FieldError]


class AppError(Exception):
    status_code = 500
    # Read-only: a class's default, which an instance may replace (ModelCallFailed does).
    headers: Mapping[str, str] = {}

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt as it is rather than through __init__, whose arguments differ by class
        # (NotFound's): the write process (yardstick.db.write_process) sends errors back.
        return (_revive, (type(self), self.args, dict(self.__dict__)))


def _revive(cls: type[AppError], args: tuple[Any, ...], state: dict[str, Any]) -> AppError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404

    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(f"{resource} {resource_id!r} not found")


class Conflict(AppError):
    """A permanent conflict: the client must not replay the request."""

    status_code = 409
    headers: Mapping[str, str] = {"x-should-retry": "false"}


class Busy(AppError):
    """A conflict with a request still being carried out: the client should retry shortly."""

    status_code = 409
    headers: Mapping[str, str] = {"x-should-retry": "true", "retry-after": "1"}


class Unavailable(AppError):
    """The server cannot answer for a moment (nothing was written): the client should retry."""

    status_code = 503
    headers: Mapping[str, str] = {"x-should-retry": "true", "retry-after": "1"}


class Unprocessable(AppError):
    """A semantic validation error, rendered like FastAPI's own 422s so one shape names the field."""

    status_code = 422

    def __init__(self, loc: list[str | int], msg: str, type_: str = "value_error") -> None:
        super().__init__([{"loc": loc, "msg": msg, "type": type_}])


class PayloadTooLarge(AppError):
    status_code = 413


def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        # pydantic prefixes a validator's own message: the message alone says what is wrong.
        {"loc": list(e["loc"]), "msg": e["msg"].removeprefix("Value error, "), "type": e["type"]}
        for e in exc.errors()
    ]
    content_type = request.headers.get("content-type")
    if content_type and len(detail) == 1 and detail[0]["loc"] == ["body"]:
        # FastAPI reads a body as JSON only when it is declared so: `curl -d` sends
        # form-urlencoded, and the body was "not a valid dictionary" with the cause unsaid.
        main, _, _ = content_type.partition(";")
        if not main.strip().lower().endswith(("/json", "+json")):
            detail[0]["msg"] = (
                f"the body must be JSON, sent as content-type application/json (not {main.strip()!r})"
            )
    return JSONResponse({"detail": detail}, status_code=422)


# Paths whose answers are JSON whoever asks: the APIs, their documents and the probes.
_API_PATHS = ("/v5", "/v1", "/docs", "/redoc", "/openapi", "/health", "/ready", "/metrics")


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if (
        exc.status_code == 404
        and "text/html" in request.headers.get("accept", "")
        and not request.url.path.startswith(_API_PATHS)
    ):
        # A browser at a page that does not exist gets the UI's 404 page, as it does for an
        # unknown id, not a line of JSON. Imported here: the web layer builds on this module.
        from yardstick.web.pages import error_page

        return error_page(request, 404, exc.detail, exc)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["allow"] = ", ".join(_allowed_methods(request))
    return JSONResponse(
        {"detail": exc.detail}, status_code=exc.status_code, headers=headers or None
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. Starlette's own `Allow` names only the
    first route that matched the path, and a path's methods are often split over several."""
    allowed = []
    for method in ("DELETE", "GET", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that blinked (see yardstick.db.retry) is a 503 the clients retry on their
    own: the request's transaction rolled back, so sending it again is safe. Any other
    database error is a bug of ours: a 500, logged."""
    if is_transient(exc):
        body, headers = database_unavailable(request.method, request.url.path, exc)
        return JSONResponse(body, status_code=503, headers=headers)
    return _internal_error(request, exc)


def database_unavailable(
    method: str, path: str, exc: BaseException
) -> tuple[dict[str, str], dict[str, str]]:
    """The body and headers of that 503 (also sent by the auth gate, which runs before any
    route), logged with an id to quote."""
    request_id = uuid.uuid4().hex[:16]
    log.warning("database unavailable %s during %s %s: %s", request_id, method, path, exc)
    body = {
        "detail": "the database is unavailable for a moment; retry the request "
        f"(request id {request_id})"
    }
    return body, {"retry-after": "1", "x-should-retry": "true", "x-request-id": request_id}


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Any error we did not foresee: the response says only that, with an id to quote; the
    log line with the same id has the details (the exception and its traceback)."""
    request_id = uuid.uuid4().hex[:16]
    log.error(
        "internal error %s during %s %s",
        request_id,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    # The exception goes on to the server once this is sent (Starlette re-raises it), and
    # uvicorn then closes the connection: said here, a keep-alive client opens a new one for
    # its next request instead of sending it into a closed socket (a reset).
    return JSONResponse(
        {"detail": f"internal error (request id {request_id})"},
        status_code=500,
        headers={"x-request-id": request_id, "connection": "close"},
    )


def _client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up before its body was read (an upload cancelled): nothing to answer, and
    not our error. The route's cleanup (a staged upload's file) has run as the error passed."""
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)
    app.add_exception_handler(sa_exc.TimeoutError, _database_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
