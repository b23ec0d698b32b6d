"""A form question whose schema has a `$ref` that resolves nowhere is refused when it is made:
kept, no answer could ever be checked against it (every reviewer's submit was a 409)."""

from typing import Any

import httpx
import pytest


def _create(http: httpx.Client, form_schema: dict[str, Any]) -> httpx.Response:
    return http.post(
        "/v5/questions",
        json={
            "name": "form refs",
            "prompt": "Fill it in",
            "question_type": "form",
            "configuration": {"form_schema": form_schema},
        },
    )


@pytest.mark.parametrize(
    "form_schema",
    [
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
        {"$ref": "#/definitions/missing"},
        {"properties": {"a": {"$ref": "#nowhere"}}},
        {"$ref": "https://example.com/remote.json"},  # never fetched
    ],
)
def test_a_reference_to_nothing_is_a_422_at_the_form_schema(
    http: httpx.Client, form_schema: dict[str, Any]
) -> None:
    response = _create(http, form_schema)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "configuration", "form_schema"]
    assert "resolves to nothing" in error["msg"]


@pytest.mark.parametrize(
    "form_schema",
    [
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/n"}}, "$defs": {"n": {}}},
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"n": {"type": "integer"}},
            "properties": {"a": {"$ref": "#/definitions/n"}},
        },
        {"$defs": {"n": {"$anchor": "here"}}, "properties": {"a": {"$ref": "#here"}}},
        {
            "$id": "https://example.com/root",
            "$defs": {"n": {"$id": "inner", "$defs": {"m": {}}, "$ref": "#/$defs/m"}},
            "properties": {"a": {"$ref": "inner"}},
        },
        # A property named $ref and data that looks like a reference are no references.
        {"properties": {"$ref": {"type": "string"}}, "const": {"$ref": "#/nowhere"}},
    ],
)
def test_references_that_resolve_are_accepted(
    http: httpx.Client, form_schema: dict[str, Any]
) -> None:
    response = _create(http, form_schema)
    assert response.status_code == 200, response.text
