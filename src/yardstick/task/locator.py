"""The item-locator grammar: `item.a.b.0` and `{{ item.a }}` templates."""

import re
from collections.abc import Set as AbstractSet
from typing import Any

import orjson

from yardstick.kit.list_index import list_index

LOCATOR = re.compile(r"^item(\.[^.{}\s]+)+$")
TEMPLATE = re.compile(r"\{\{\s*(item(?:\.[^.{}\s]+)+)\s*\}\}")


def is_locator(value: object) -> bool:
    return isinstance(value, str) and LOCATOR.match(value) is not None


def locator_root(value: str) -> str:
    """The first path segment after `item.`: the input key or task alias a locator reads."""
    return value.split(".", 2)[1]


class LocatorError(Exception):
    """A locator names a field the item does not have."""

    type = "ItemLocatorError"


class UpstreamError(Exception):
    """A locator reads the result of an earlier task that failed on this item."""

    type = "UpstreamTaskError"


# Top-level configuration keys that are names, not data: never resolved.
# A `run_condition` reads the item itself, when the runner evaluates it; an agent's
# `data_fields` and `output_values` are names and allowed answers, not item paths; an agent's
# pinned `rubric_criteria` are text for the judge, shown as written.
NEVER_RESOLVED = frozenset(
    {
        "model",
        "question_id",
        "application_variant_id",
        "queue_id",
        "layout",
        "type",
        "run_condition",
        "data_fields",
        "designated_to",
        "output_type",
        "output_values",
        "rubric_id",
        "rubric_version",
        "rubric_criteria",
        "agentex_agent_id",
        "prefill_from",
        # A custom function binds its arguments itself (yardstick.task.custom_function).
        "function_source",
        "arg_mapping",
        "config_args",
        "outputs",
    }
)
_MISSING = object()


def lookup(item: dict[str, Any], locator: str, failed: AbstractSet[str]) -> Any:
    """The raw value at `item.a.b.0`; list indexes are non-negative integers."""
    segments = locator.split(".")[1:]
    if segments[0] in failed:
        raise UpstreamError(
            f"task {segments[0]!r} failed on this item, so {locator!r} has no value"
        )
    value: Any = item
    for depth, segment in enumerate(segments):
        if isinstance(value, dict):
            value = value.get(segment, _MISSING)
        elif isinstance(value, list) and (index := list_index(segment, len(value))) is not None:
            value = value[index]
        else:
            value = _MISSING
        if value is _MISSING:
            where = ".".join(["item", *segments[: depth + 1]])
            raise LocatorError(f"{locator!r}: the item has no field {where!r}")
    return value


def _render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def resolve(value: Any, item: dict[str, Any], failed: AbstractSet[str]) -> Any:
    """Resolve locators and templates anywhere inside `value`."""
    if isinstance(value, str):
        if LOCATOR.match(value):
            return lookup(item, value, failed)
        if "{{" in value:
            return TEMPLATE.sub(lambda m: _render(lookup(item, m.group(1), failed)), value)
        return value
    if isinstance(value, dict):
        return {key: resolve(inner, item, failed) for key, inner in value.items()}
    if isinstance(value, list):
        return [resolve(inner, item, failed) for inner in value]
    return value


def resolve_config(
    config: dict[str, Any], item: dict[str, Any], failed: AbstractSet[str]
) -> dict[str, Any]:
    """A task configuration with every locator and template filled in from `item`."""
    return {
        key: value if key in NEVER_RESOLVED else resolve(value, item, failed)
        for key, value in config.items()
    }
