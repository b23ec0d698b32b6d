"""JSON Schemas that tenants write, checked and applied in bounded time.

A question's `form_schema` and a task's structured-output schema come from tenants, and an LLM
judge's answer is validated against them on the server's event loop. Python's `re` backtracks:
`^(a+)+$` against 30 `a`s and a `!` takes seconds, doubling with each character, and would
stall every tenant's requests and runs. So every regular expression of a tenant schema
(`pattern`, the keys of `patternProperties`, and strings checked as `format: regex`) runs on
RE2, whose matching time is linear in the input. RE2 has no backreferences or lookarounds: a
schema using them is refused when it is saved (a 422 naming the place), never half-applied.
"""

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import re2
from jsonschema import FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is our 422, not a line on stderr


class UnboundedPattern(ValueError):
    """A pattern RE2 cannot run (a backreference, a lookaround, or not a regex at all)."""

    def __init__(self, path: list[str | int], pattern: str, reason: str) -> None:
        super().__init__(
            f"the regular expression {pattern!r} cannot be used: {reason} (patterns run on "
            "RE2, in time linear in the text: backreferences and lookarounds are not supported)"
        )
        self.path = path


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnboundedPattern([], pattern, reason) from exc


def _search(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None


def _pattern(
    validator: Validator, pattern: str, instance: Any, _: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, _: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    # jsonschema's own matches `patternProperties` with `re` here: the same keyword on RE2.
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = sorted(
        key
        for key in instance
        if key not in properties and not any(_search(pattern, key) for pattern in patterns)
    )
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        # jsonschema's own wording, which judges are shown and tests read.
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            shown = ", ".join(repr(pattern) for pattern in sorted(patterns))
            yield ValidationError(
                f"{', '.join(map(repr, extras))} {verb} not match any of the regexes: {shown}"
            )
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({', '.join(map(repr, extras))} {verb} "
                "unexpected)"
            )


def _regex_format(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    try:
        _compiled(instance)
    except UnboundedPattern:
        return False
    return True


def _format_checker(base: FormatChecker) -> FormatChecker:
    checker = FormatChecker(list(base.checkers))
    checker.checkers = dict(base.checkers)
    checker.checks("regex", raises=())(_regex_format)
    return checker


def validator(schema: dict[str, Any]) -> Validator:
    """A validator of `schema` (its own draft, formats checked) whose regexes run on RE2.
    `schema` must have passed `check_schema`."""
    base = validators.validator_for(schema)
    # `extend` is not annotated in jsonschema; it returns a validator class like `base`.
    extend: Any = validators.extend
    cls = extend(
        base,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        },
    )
    instance: Validator = cls(schema, format_checker=_format_checker(base.FORMAT_CHECKER))
    return instance


def check_schema(schema: dict[str, Any]) -> None:
    """Raise SchemaError (jsonschema's checks of its draft) or UnboundedPattern (a pattern RE2
    cannot run), each with the path to the offending place."""
    validators.validator_for(schema).check_schema(schema)
    _check_patterns(schema, [])


def _check_patterns(node: Any, path: list[str | int]) -> None:
    if isinstance(node, list):
        for index, inner in enumerate(node):
            _check_patterns(inner, [*path, index])
        return
    if not isinstance(node, dict):
        return
    patterns: list[tuple[list[str | int], Any]] = []
    if isinstance(node.get("pattern"), str):
        patterns.append(([*path, "pattern"], node["pattern"]))
    if isinstance(node.get("patternProperties"), dict):
        patterns += [([*path, "patternProperties", key], key) for key in node["patternProperties"]]
        if "unevaluatedProperties" in node or "unevaluatedItems" in node:
            # jsonschema evaluates these with `re` over patternProperties' keys.
            raise UnboundedPattern(
                [*path, "unevaluatedProperties"],
                next(iter(node["patternProperties"]), ""),
                "unevaluatedProperties beside patternProperties is not supported",
            )
    for where, pattern in patterns:
        try:
            _compiled(pattern)
        except UnboundedPattern as exc:
            exc.path = where
            raise
    for key, inner in node.items():
        if key not in ("const", "enum", "examples", "default"):  # data, not schema
            _check_patterns(inner, [*path, key])


__all__ = ["SchemaError", "UnboundedPattern", "check_schema", "validator"]
