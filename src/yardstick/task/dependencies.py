"""Which fields a task reads, and so which tasks a change makes stale.

A task reads the input columns and earlier tasks' aliases that its configuration names: item
locators and templates anywhere in the resolved keys, a `run_condition`'s `var` paths, a custom
function's parameters (bound by name or through `arg_mapping`), an agent's `data_fields` and a
contributor layout's components. Only the first path segment matters: `item.answer.text` reads
`answer`.

Changing (or adding) a task makes its own cells stale and, transitively, the cells of every
task that reads its alias. Nothing else is recomputed.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from yardstick.sandbox.errors import SandboxError
from yardstick.sandbox.source import SourceError
from yardstick.task.custom_function import function_of
from yardstick.task.custom_function import locator_for as argument_locator
from yardstick.task.locator import LOCATOR, NEVER_RESOLVED, TEMPLATE, locator_root
from yardstick.task.run_condition import is_expression
from yardstick.task.run_condition import locator_for as condition_locator


def _roots(value: Any) -> set[str]:
    """First path segments of every locator and template inside `value`."""
    if isinstance(value, str):
        if LOCATOR.match(value):
            return {locator_root(value)}
        return {locator_root(match) for match in TEMPLATE.findall(value)}
    if isinstance(value, dict):
        return set().union(*(_roots(inner) for inner in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_roots(inner) for inner in value)) if value else set()
    return set()


def _condition_roots(node: Any) -> set[str]:
    if not is_expression(node):
        return set()
    names: set[str] = set()
    if node.get("op") == "var" and isinstance(node.get("path"), str):
        names.add(locator_root(condition_locator(node["path"])))
    for key in ("left", "right"):
        names |= _condition_roots(node.get(key))
    for operand in node.get("operands") or []:
        names |= _condition_roots(operand)
    return names


def _function_roots(config: dict[str, Any]) -> set[str]:
    mapping = config.get("arg_mapping") or {}
    names = {locator_root(argument_locator(v)) for v in mapping.values() if isinstance(v, str)}
    try:
        info = function_of(config["function_source"])
    except (SourceError, SandboxError, KeyError, TypeError):
        return names
    bound = set(mapping) | set(config.get("config_args") or {})
    return names | {p.name for p in info.params if p.name not in bound and not p.positional_only}


def reads(task: dict[str, Any]) -> set[str]:
    """The input columns and aliases one task reads (first path segments)."""
    config: dict[str, Any] = task["configuration"]
    names: set[str] = set()
    for key, value in config.items():
        if key not in NEVER_RESOLVED:
            names |= _roots(value)
    names |= _condition_roots(config.get("run_condition"))
    names |= _roots(config.get("layout"))
    fields = config.get("data_fields")
    if isinstance(fields, list):
        names |= {f.split(".", 1)[0] for f in fields if isinstance(f, str) and f}
    if task["task_type"] == "custom_function":
        names |= _function_roots(config)
    return names


def stale_aliases(tasks: Sequence[dict[str, Any]], changed: Iterable[str]) -> list[str]:
    """`changed` and every alias that reads one of them, directly or through others, in task
    order."""
    stale = set(changed)
    for task in tasks:  # a task reads only earlier aliases, so one pass in order is enough
        if task["alias"] not in stale and reads(task) & stale:
            stale.add(task["alias"])
    return [task["alias"] for task in tasks if task["alias"] in stale]


def later_aliases_read(tasks: Sequence[dict[str, Any]]) -> tuple[int, str] | None:
    """The first (task index, alias) where a task reads its own or a later task's alias: such a
    task could never see that value (tasks of an item run in order), or would form a cycle."""
    aliases = [task["alias"] for task in tasks]
    for index, task in enumerate(tasks):
        ahead = set(aliases[index:])
        hit = sorted(reads(task) & ahead)
        if hit:
            return index, hit[0]
    return None
