"""`/openapi.json`: FastAPI's description, completed with what the routes do not declare.

- Authentication: a route that takes the auth dependency (yardstick.auth.dependencies) needs
  both of its headers. FastAPI lists each security scheme as a requirement of its own, which in
  OpenAPI means that either one will do; here they become one requirement of the two.
- Errors: every error is rendered by yardstick.errors as an `ErrorBody`. An error response a
  route declares without a body gets that body; an authenticated route also declares 401 and
  403 (its headers), and `default`: any other error status it may answer, with that body too.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from yardstick.errors import ErrorBody

_REF = "#/components/schemas/{model}"
_AUTH_ERRORS = {
    "401": "The `x-api-key` header is missing, or names no valid key",
    "403": "The `x-selected-account-id` header is missing, or the key is not for that account",
}


def install_openapi(app: FastAPI) -> None:
    """Serve the completed description at `/openapi.json` (built once, on first use)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the merged security requirements and the error bodies to FastAPI's description."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template=_REF)
    for name, definition in error_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("ErrorBody", error_schema)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            requirements = operation.get("security")
            if requirements:
                operation["security"] = [
                    {name: scopes for one in requirements for name, scopes in one.items()}
                ]
                for status, description in _AUTH_ERRORS.items():
                    responses.setdefault(status, {"description": description})
                responses.setdefault("default", {"description": "Any other error"})
            for status, response in responses.items():
                if (status == "default" or status[0] in "45") and "content" not in response:
                    response["content"] = {
                        "application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}
                    }
    return schema
