"""Errors that carry their HTTP status, and the handlers that render them as `{"detail": ...}`."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    status_code = 500
    # Read-only: a class's default, which an instance may replace (ModelCallFailed does).
    headers: Mapping[str, str] = {}

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail


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


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers or None
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
