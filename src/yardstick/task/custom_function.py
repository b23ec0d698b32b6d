"""`custom_function`: a user's Python function of an item's fields, run in the sandbox.

Configuration: `function_source` (one top-level `def`; imports inside its body), `arg_mapping`
({parameter: locator}; a bare name `x` means `item.x`), `config_args` (literal keyword arguments)
and `outputs` ([{path, alias}]: numbers picked by dot path out of a returned dict).

Binding, per parameter: `config_args` gives a literal; `arg_mapping` gives a locator, which must
resolve; any other parameter reads the item field of its own name, and keeps its default value
when the item has no such field (a parameter without a default then fails the cell with
ItemLocatorError). Positional-only parameters and `*args` are never bound.

The stored configuration stays as the user sent it: the runner's `resolve_config` leaves these
keys alone (`locator.NEVER_RESOLVED`) and `execute` binds the arguments from the cell's item
(`ctx.item`), so a missing field is an ItemLocatorError and a failed upstream task an
UpstreamTaskError, as for locators anywhere else.

The cell value is the function's number; with `outputs`, it is the object
`{output alias: number}` under the task's alias.
"""

import json
import time
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any

from yardstick.sandbox.errors import SandboxError
from yardstick.sandbox.pool import Result, get_sandbox
from yardstick.sandbox.results import Output
from yardstick.sandbox.source import FunctionInfo, SourceError, analyze
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.locator import LocatorError, is_locator, lookup
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_str, fail

MAX_CONFIG_ARGS_CHARS = 10_000
MAX_OUTPUTS = 100


@lru_cache(maxsize=256)
def function_of(source: str) -> FunctionInfo:
    """The function `source` defines (cached: every cell of a task asks); raises SourceError."""
    return analyze(source)


def locator_for(value: str) -> str:
    """An `arg_mapping` value as a locator: a bare column name `x` means `item.x`."""
    return value if value.startswith("item.") else f"item.{value}"


def outputs_of(config: Mapping[str, Any]) -> list[Output] | None:
    """`outputs` as (path, alias) pairs; an alias defaults to the path with `.` → `_`."""
    outputs = config.get("outputs")
    if not outputs:
        return None
    return [(o["path"], o.get("alias") or o["path"].replace(".", "_")) for o in outputs]


def bind(
    config: Mapping[str, Any], item: Mapping[str, Any], failed: AbstractSet[str]
) -> dict[str, Any]:
    """The keyword arguments of one call on `item` (see the module docstring for the rules)."""
    info = function_of(config["function_source"])
    row = item if isinstance(item, dict) else dict(item)
    kwargs: dict[str, Any] = dict(config.get("config_args") or {})
    for param, value in (config.get("arg_mapping") or {}).items():
        kwargs[param] = lookup(row, locator_for(value), failed)
    for param in info.params:
        if param.name in kwargs or param.positional_only:
            continue
        try:
            kwargs[param.name] = lookup(row, f"item.{param.name}", failed)
        except LocatorError:
            if not param.has_default:
                raise
    return kwargs


async def call(
    config: Mapping[str, Any], kwargs: dict[str, Any], *, not_after: float | None = None
) -> Result:
    """Run the function in the sandbox; a SandboxError names what went wrong."""
    return await get_sandbox().call(
        config["function_source"], kwargs, outputs=outputs_of(config), not_after=not_after
    )


def _check_param(info: FunctionInfo, name: str, loc: Loc) -> None:
    param = info.param(name)
    if param is None and not info.accepts_any_keyword:
        fail(loc, f"{info.name}() has no parameter {name!r}")
    if param is not None and param.positional_only:
        fail(loc, f"{info.name}() takes {name!r} by position only, so it cannot be bound by name")


def _check_outputs(config: dict[str, Any], loc: Loc) -> None:
    outputs = check(config, "outputs", list, loc)
    if outputs is None:
        return
    if len(outputs) > MAX_OUTPUTS:
        fail([*loc, "outputs"], f"must hold at most {MAX_OUTPUTS} outputs")
    aliases: dict[str, int] = {}
    for index, output in enumerate(outputs):
        where = [*loc, "outputs", index]
        if not isinstance(output, dict):
            fail(where, "must be an object like {path, alias}")
        path = check_str(output, "path", where, required=True)
        assert path is not None
        if any(segment == "" or segment.strip() != segment for segment in path.split(".")):
            fail([*where, "path"], "must be a dot path like 'scores.accuracy' or 'items.0'")
        alias = check_str(output, "alias", where)
        if alias is None:
            alias = path.replace(".", "_")
        elif not alias or "." in alias or "/" in alias or alias.strip() != alias:
            fail(
                [*where, "alias"],
                "must be a non-empty name without dots, slashes or surrounding spaces",
            )
        if alias in aliases:
            fail([*where, "alias"], f"alias {alias!r} is already used by output {aliases[alias]}")
        aliases[alias] = index


def _check_unbound(
    info: FunctionInfo, bound: AbstractSet[str], loc: Loc, ctx: ValidationContext
) -> None:
    """Each parameter that needs a value gets one: given, mapped, or an item field of its name."""
    for param in info.params:
        if param.name in bound or param.has_default:
            continue
        if param.positional_only:
            fail(
                [*loc, "function_source"],
                f"{info.name}() takes {param.name!r} by position only; "
                "arguments are passed by name, so give it a default or drop the '/'",
            )
        if ctx.columns is not None and param.name not in ctx.columns:
            fail(
                [*loc, "arg_mapping"],
                f"parameter {param.name!r} of {info.name}() has no value: no row has a field "
                f"{param.name!r}; map it to one in arg_mapping or give it in config_args",
            )


@register
class CustomFunction(TaskType):
    name = "custom_function"
    default_alias = "custom_function"

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        source = check_str(config, "function_source", loc, required=True)
        assert source is not None
        try:
            info = function_of(source)
        except SourceError as exc:
            fail([*loc, "function_source"], exc.message)
        arg_mapping: dict[str, Any] = check(config, "arg_mapping", dict, loc) or {}
        for param, value in arg_mapping.items():
            where = [*loc, "arg_mapping", param]
            _check_param(info, param, where)
            if not isinstance(value, str) or not is_locator(locator_for(value)):
                fail(where, "must be a column name or an item locator like 'item.field'")
        config_args: dict[str, Any] = check(config, "config_args", dict, loc) or {}
        size = len(json.dumps(config_args, separators=(",", ":"), ensure_ascii=False))
        if size > MAX_CONFIG_ARGS_CHARS:
            fail(
                [*loc, "config_args"],
                f"must serialize to at most {MAX_CONFIG_ARGS_CHARS} characters of JSON, not {size}",
            )
        for param in config_args:
            _check_param(info, param, [*loc, "config_args", param])
            if param in arg_mapping:
                fail([*loc, "config_args", param], f"{param!r} is also given in arg_mapping")
        _check_unbound(info, arg_mapping.keys() | config_args.keys(), loc, ctx)
        _check_outputs(config, loc)

    def alias_for(self, config: dict[str, Any]) -> str:
        return function_of(config["function_source"]).name  # validated before

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        assert ctx.item is not None, "the runner gives every cell its item"
        kwargs = bind(config, ctx.item.row, ctx.item.failed)
        started = time.perf_counter()
        try:
            value = await call(config, kwargs)
        except SandboxError as exc:
            raise TaskFailure(exc.type, exc.message) from exc
        return TaskOutput(value=value, latency_ms=(time.perf_counter() - started) * 1000)
