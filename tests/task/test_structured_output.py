"""The `response_format` of a structured-output task: both spellings, and the 422s of bad ones."""

from typing import Any

import pytest

from yardstick.errors import Unprocessable
from yardstick.task.structured_output import DEFAULT_NAME, read_response_format

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"score": {"type": "integer"}, "why": {"type": "string"}},
    "required": ["score", "why"],
}
LOC: list[str | int] = ["configuration", "response_format"]


def loc_of(value: Any) -> list[Any]:
    with pytest.raises(Unprocessable) as caught:
        read_response_format(value, LOC)
    (error,) = caught.value.detail
    return list(error["loc"])


def test_a_bare_json_schema() -> None:
    read = read_response_format(SCHEMA, LOC)
    assert (read.schema, read.name, read.strict) == (SCHEMA, DEFAULT_NAME, False)


def test_the_openai_wrapper() -> None:
    wrapper = {
        "type": "json_schema",
        "json_schema": {"name": "grade", "schema": SCHEMA, "strict": True},
    }
    read = read_response_format(wrapper, LOC)
    assert (read.schema, read.name, read.strict) == (SCHEMA, "grade", True)
    bare_wrapper = {"type": "json_schema", "json_schema": {"schema": SCHEMA}}
    assert read_response_format(bare_wrapper, LOC).name == DEFAULT_NAME


def test_local_refs_and_defs_are_fine() -> None:
    schema = {
        "type": "object",
        "$defs": {"reason": {"type": "string"}, "a/b": {"type": "integer"}},
        "properties": {
            "why": {"$ref": "#/$defs/reason"},
            "n": {"$ref": "#/$defs/a~1b"},
            "self": {"$ref": "#"},
            "tag": {"enum": [{"$ref": "not a reference, just data"}]},
        },
    }
    assert read_response_format(schema, LOC).schema == schema


@pytest.mark.parametrize(
    ("value", "loc"),
    [
        ("item.schema", LOC),
        ([SCHEMA], LOC),
        ({"type": "json_object"}, [*LOC, "type"]),
        ({"type": "text"}, [*LOC, "type"]),
        ({"type": "json_schema"}, [*LOC, "json_schema"]),
        ({"type": "json_schema", "json_schema": "x"}, [*LOC, "json_schema"]),
        ({"type": "json_schema", "json_schema": {"name": "n"}}, [*LOC, "json_schema", "schema"]),
        (
            {"type": "json_schema", "json_schema": {"schema": SCHEMA, "name": "has space"}},
            [*LOC, "json_schema", "name"],
        ),
        (
            {"type": "json_schema", "json_schema": {"schema": SCHEMA, "name": ""}},
            [*LOC, "json_schema", "name"],
        ),
        (
            {"type": "json_schema", "json_schema": {"schema": SCHEMA, "strict": "yes"}},
            [*LOC, "json_schema", "strict"],
        ),
        (
            {"type": "json_schema", "json_schema": {"schema": {"type": "objekt"}}},
            [*LOC, "json_schema", "schema", "type"],
        ),
        ({"type": "string"}, [*LOC, "type"]),  # the stored result is an object
        ({"properties": {"a": {"type": "string"}}}, [*LOC, "type"]),
        (
            {"type": "object", "properties": {"a": {"type": "strin"}}},
            [*LOC, "properties", "a", "type"],
        ),
        ({"type": "object", "required": "a"}, [*LOC, "required"]),
        ({"type": "object", "minProperties": -1}, [*LOC, "minProperties"]),
        ({"type": "object", "$schema": "http://example.com/mine"}, [*LOC, "$schema"]),
        ({"type": "object", "$schema": ["x"]}, [*LOC, "$schema"]),
        (
            {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
            [*LOC, "properties", "a", "$ref"],
        ),
        (
            {"type": "object", "properties": {"a": {"$ref": "https://example.com/s.json"}}},
            [*LOC, "properties", "a", "$ref"],
        ),
        (
            {"type": "object", "anyOf": [{"$ref": "#anchor"}]},
            [*LOC, "anyOf", 0, "$ref"],
        ),
        # Replies are checked on the event loop: only patterns RE2 runs in linear time.
        (
            {"type": "object", "properties": {"a": {"type": "string", "pattern": "(?=x)x"}}},
            [*LOC, "properties", "a", "pattern"],
        ),
        (
            {"type": "object", "patternProperties": {"(a)\\1": {}}},
            [*LOC, "patternProperties", "(a)\\1"],
        ),
        (
            {
                "type": "object",
                "patternProperties": {"^(a+)+$": {}},
                "unevaluatedProperties": False,
            },
            [*LOC, "unevaluatedProperties"],
        ),
    ],
)
def test_bad_response_formats_name_the_field(value: Any, loc: list[Any]) -> None:
    assert loc_of(value) == loc


def test_a_known_metaschema_is_accepted() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", **SCHEMA}
    assert read_response_format(schema, LOC).schema == schema


def test_a_catastrophic_pattern_is_refused_before_any_reply_is_checked() -> None:
    """jsonschema runs `unevaluatedProperties` beside `patternProperties` with `re`: one reply
    key of 30 `a`s and a `!` would backtrack for half a minute on the worker's event loop."""
    schema = {
        "type": "object",
        "patternProperties": {"^(a+)+$": {"type": "integer"}},
        "unevaluatedProperties": False,
    }
    wrapper = {"type": "json_schema", "json_schema": {"name": "n", "schema": schema}}
    assert loc_of(wrapper) == [*LOC, "json_schema", "schema", "unevaluatedProperties"]
