"""Tenant JSON Schemas: their regexes run in linear time, and the ones that cannot are refused."""

import threading
from typing import Any

import pytest

from yardstick.kit import bounded_schema
from yardstick.kit.bounded_schema import UnboundedPattern

CATASTROPHIC = "^(a+)+$"  # exponential on a backtracking engine


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    bounded_schema.check_schema(schema)
    return [error.message for error in bounded_schema.validator(schema).iter_errors(instance)]


def finishes(work: Any, seconds: float = 5.0) -> Any:
    """Run `work` in a thread; fail (instead of hanging the suite) if it runs past `seconds`."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "validation did not finish: the regex backtracked"
    return result[0]


def test_a_catastrophic_pattern_is_matched_in_linear_time() -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": CATASTROPHIC}}}
    found = finishes(lambda: errors(schema, {"code": "a" * 60 + "!"}))
    assert found == [f"{'a' * 60 + '!'!r} does not match {CATASTROPHIC!r}"]
    assert errors(schema, {"code": "aaaa"}) == []


def test_pattern_properties_and_additional_properties_match_on_re2() -> None:
    schema = {
        "type": "object",
        "patternProperties": {CATASTROPHIC: {"type": "integer"}},
        "additionalProperties": False,
    }
    key = "a" * 60 + "!"
    found = finishes(lambda: errors(schema, {key: 1, "aaa": "x"}))
    assert found == [
        "'x' is not of type 'integer'",
        f"{key!r} does not match any of the regexes: {CATASTROPHIC!r}",
    ]


def test_format_regex_is_checked_with_re2() -> None:
    schema = {"type": "object", "properties": {"re": {"type": "string", "format": "regex"}}}
    assert errors(schema, {"re": "a+b"}) == []
    assert errors(schema, {"re": "(a"}) == ["'(a' is not a 'regex'"]


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ({"type": "string", "pattern": r"(a)\1"}, ["pattern"]),
        ({"properties": {"x": {"pattern": "(?=a)a"}}}, ["properties", "x", "pattern"]),
        ({"patternProperties": {"(?<!b)a": {}}}, ["patternProperties", "(?<!b)a"]),
        ({"prefixItems": [{"pattern": r"(x)\1"}]}, ["prefixItems", 0, "pattern"]),
    ],
)
def test_patterns_re2_cannot_run_are_refused_with_their_place(
    schema: dict[str, Any], path: list[str | int]
) -> None:
    with pytest.raises(UnboundedPattern) as raised:
        bounded_schema.check_schema(schema)
    assert raised.value.path == path
    assert "RE2" in str(raised.value)


def test_data_that_looks_like_a_pattern_is_not_checked() -> None:
    bounded_schema.check_schema({"enum": [{"pattern": r"(a)\1"}], "const": {"pattern": "(?=x)"}})


def test_unevaluated_properties_beside_pattern_properties_is_refused() -> None:
    with pytest.raises(UnboundedPattern, match="unevaluatedProperties"):
        bounded_schema.check_schema(
            {"patternProperties": {"^a": {}}, "unevaluatedProperties": False}
        )
