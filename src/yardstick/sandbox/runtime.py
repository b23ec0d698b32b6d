"""Inside a sandbox process: the restricted namespace a custom function runs in, and one call.

A function sees only:
- `BUILTINS`: the pure builtins, plus `__import__` limited to `policy.ALLOWED_MODULES`,
  `getattr`/`hasattr` that refuse what the source check refuses, a one-argument `type`, a `print`
  that discards, and stubs for `open`, `eval`, `exec`, … that raise SandboxViolation;
- `str.format` and `format_map` through `string_method` (the source is rewritten to call it),
  whose fields' attributes are checked like `getattr`'s;
- module *views*, not modules: a fresh module object per allowed module holding its public
  functions, classes and immutable constants only. The real `statistics` module holds `sys`, and
  `json` holds `codecs` (which holds `builtins`); the views drop every module and every mutable
  value, so nothing leads from an allowed module to one that is not.

Each call gets new globals (the compiled code object is cached per source; executing its `def`
again costs microseconds) and a fresh decimal context, so nothing a call leaves behind is seen by
the next one, which may belong to another account.
"""

import __future__

import _string  # type: ignore[import-not-found]  # string.Formatter's own helper; no stub
import ast
import builtins
import datetime
import decimal
import hashlib
import importlib
import string
import sys
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from yardstick.sandbox import errors, guards
from yardstick.sandbox.policy import (
    ALLOWED_MODULES,
    ALLOWED_SUBMODULES,
    BLOCKED_BUILTINS,
    FORMAT_METHODS,
    HIDDEN_MEMBERS,
    allowed_list,
    attribute_allowed,
)
from yardstick.sandbox.results import Output, ResultError, shape
from yardstick.sandbox.source import SourceError, analyze

FILENAME = "<custom_function>"
_CACHE_SIZE = 256
# Imported while the process is still unsealed: allowed modules' C code imports these on use
# (datetime.strptime `_strptime`, strftime and timetuple `time`; a coroutine never awaited,
# warning as it is collected, `warnings`) through the calling frame's `__import__`, the
# user's, which hands them over (`restricted_import`).
PRELOAD = ("_strptime", "time", "warnings")

_PURE_BUILTINS = (
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "bytearray", "bytes",
    "callable", "chr", "complex", "dict", "divmod", "enumerate", "filter", "float", "format",
    "frozenset", "hash", "hex", "int", "isinstance", "issubclass", "iter", "len", "list", "map",
    "max", "min", "next", "object", "oct", "ord", "pow", "range", "repr", "reversed", "round",
    "set", "slice", "sorted", "str", "sum", "tuple", "zip", "Ellipsis", "NotImplemented",
)  # fmt: skip
_SHAREABLE = (int, float, complex, str, bytes, bool, type(None), frozenset, tuple, datetime.tzinfo)


def _shareable(value: Any) -> bool:
    """Safe to hand to every call: cannot be changed, or is a function or class."""
    return callable(value) or isinstance(value, _SHAREABLE)


def _view(module: types.ModuleType, name: str) -> types.ModuleType:
    view = types.ModuleType(name, module.__doc__)
    for key, value in vars(module).items():
        if key.startswith("_") or f"{name}.{key}" in HIDDEN_MEMBERS:
            continue
        if isinstance(value, types.ModuleType):
            if f"{name}.{key}" in ALLOWED_SUBMODULES:
                setattr(view, key, _view(value, f"{name}.{key}"))
        elif _shareable(value):
            setattr(view, key, value)
    return view


def _mutable_class_attributes(views: Mapping[str, types.ModuleType]) -> list[tuple[type, str]]:
    """(class, attribute) of every public dict, list, set or bytearray a class of a view (or
    one it inherits from) holds: what one call could change for every later one."""
    found: list[tuple[type, str]] = []
    seen: set[type] = {object}
    for view in views.values():
        for value in vars(view).values():
            if not isinstance(value, type):
                continue
            for kind in value.__mro__:
                if kind in seen:
                    continue
                seen.add(kind)
                found += [
                    (kind, key)
                    for key, member in vars(kind).items()
                    if not key.startswith("_") and isinstance(member, dict | list | set | bytearray)
                ]
    return found


def _freeze_class_attributes(views: Mapping[str, types.ModuleType]) -> None:
    """Make the classes' mutable tables read-only: `TextWrapper.unicode_whitespace_trans[97] =
    88` (an item assignment, which the source rules allow) changed `textwrap.fill` for every
    later call, other accounts' included. Only dicts are known (Python 3.11:
    `unicode_whitespace_trans` alone); a table of another kind fails the start, and a test."""
    for kind, key in _mutable_class_attributes(views):
        member = vars(kind)[key]
        if not isinstance(member, dict):
            raise TypeError(f"{kind.__qualname__}.{key} is a mutable {type(member).__name__}")
        setattr(kind, key, types.MappingProxyType(member))


def _load_views() -> dict[str, types.ModuleType]:
    for name in (*PRELOAD, *ALLOWED_SUBMODULES):
        importlib.import_module(name)
    # Shown nowhere (stdio is closed), and showing one opens source files (linecache), which
    # the seal refuses: a function leaving a coroutine unawaited failed as a violation.
    warnings.simplefilter("ignore")
    views = {name: _view(importlib.import_module(name), name) for name in ALLOWED_MODULES}
    _freeze_class_attributes(views)
    for dotted in ALLOWED_SUBMODULES:
        parent, child = dotted.split(".", 1)
        views[dotted] = getattr(views[parent], child)
    return views


VIEWS = _load_views()


def restricted_import(
    name: str,
    globals: dict[str, Any] | None = None,
    locals: dict[str, Any] | None = None,
    fromlist: tuple[str, ...] | list[str] | None = (),
    level: int = 0,
) -> types.ModuleType:
    """`__import__` for user code: views of allowed modules, a SandboxViolation for the rest."""
    if level == 0 and name in PRELOAD:
        # C code imports through the builtins of the calling frame, which is the user's:
        # datetime.strptime runs `import _strptime` here. The source check refuses any import
        # statement naming it, so only allowed modules' own code gets this far.
        return sys.modules[name]
    if level != 0 or name not in VIEWS:
        raise guards.violation(
            f"import of {name!r} is not allowed; custom functions may import: {allowed_list()}"
        )
    for item in fromlist or ():
        if item.startswith("_"):
            raise guards.violation(f"importing the private name {item!r} is not allowed")
    # `import collections.abc` binds `collections`; `from collections.abc import X` wants `abc`.
    return VIEWS[name] if fromlist else VIEWS[name.split(".", 1)[0]]


_MISSING = object()


def safe_getattr(obj: Any, name: str, default: Any = _MISSING) -> Any:
    if not isinstance(name, str):
        raise TypeError("attribute name must be a string")
    if not attribute_allowed(name):
        raise guards.violation(f"the attribute {name!r} is not allowed in custom functions")
    if name in FORMAT_METHODS:
        try:
            return string_method(obj, name)
        except AttributeError:
            if default is _MISSING:
                raise
            return default
    if default is _MISSING:
        return getattr(obj, name)
    return getattr(obj, name, default)


_ABSENT = object()


def safe_hasattr(obj: Any, name: str) -> bool:
    return safe_getattr(obj, name, _ABSENT) is not _ABSENT


class _CheckedFormatter(string.Formatter):
    """`str.format`'s rules, with every attribute a field names (`{0.attr}`) read through
    `safe_getattr`: the real method reads them in C, where no other layer sees them."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = safe_getattr(obj, key) if is_attribute else obj[key]
        return obj, first


_FORMATTER = _CheckedFormatter()


def _format(text: str, /, *args: Any, **kwargs: Any) -> str:
    if not isinstance(text, str):
        raise TypeError("format() needs a str")
    return _FORMATTER.vformat(text, args, kwargs)


def _format_map(text: str, mapping: Mapping[str, Any], /) -> str:
    if not isinstance(text, str):
        raise TypeError("format_map() needs a str")
    return _FORMATTER.vformat(text, (), mapping)


_STRING_METHODS: dict[str, Callable[..., str]] = {"format": _format, "format_map": _format_map}
# The name the rewritten source calls `string_method` by: a user's source cannot name it (no
# name may start with `__`), so only the rewrite reaches it.
STRING_METHOD = "__string_method__"


def string_method(obj: Any, name: str) -> Callable[..., str]:
    """`obj.format` or `obj.format_map` (`name`) for the function: `str`'s, checked field by
    field; on anything else with such a method (`collections.UserString`, which calls the real
    one) a violation."""
    method = _STRING_METHODS[name]
    if isinstance(obj, str):
        return partial(method, obj)
    if obj is str:
        return method
    getattr(obj, name)  # an AttributeError, as Python says, for an object without one
    raise guards.violation(f"{name}() is only available on str in custom functions")


class _StringMethods(ast.NodeTransformer):
    """Rewrites `x.format` and `x.format_map` into `__string_method__(x, "format")`."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr not in FORMAT_METHODS or not isinstance(node.ctx, ast.Load):
            return node
        call = ast.Call(
            func=ast.Name(STRING_METHOD, ast.Load()),
            args=[node.value, ast.Constant(node.attr)],
            keywords=[],
        )
        return ast.copy_location(call, node)


def one_argument_type(obj: Any) -> type:
    """`type(x)`, short of a metaclass: `type(int)` is `type` itself, whose three-argument form
    builds classes, and a class with dunder methods of the user's would run user code inside
    the harness (formatting an exception, checking a result)."""
    kind = type(obj)
    if issubclass(kind, type):
        raise guards.violation("type() of a class is not available in custom functions")
    return kind


def discard_print(*args: Any, **kwargs: Any) -> None:
    """Custom functions have no output stream; `print` left in for debugging does nothing."""


def _blocked(name: str) -> Callable[..., Any]:
    def blocked(*args: Any, **kwargs: Any) -> Any:
        raise guards.violation(f"{name}() is not available in custom functions")

    return blocked


def _builtins() -> dict[str, Any]:
    namespace: dict[str, Any] = {name: getattr(builtins, name) for name in _PURE_BUILTINS}
    namespace.update(
        (name, value)
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    )
    namespace.update((name, _blocked(name)) for name in BLOCKED_BUILTINS)
    namespace.update(
        __import__=restricted_import,
        getattr=safe_getattr,
        hasattr=safe_hasattr,
        type=one_argument_type,
        print=discard_print,
    )
    namespace[STRING_METHOD] = string_method
    return namespace


BUILTINS = _builtins()


@dataclass(frozen=True)
class Compiled:
    code: types.CodeType
    name: str


_compiled: "OrderedDict[str, Compiled]" = OrderedDict()


def compile_source(source: str) -> Compiled:
    """The module code of `source` (checked again here), cached by the source's hash."""
    key = hashlib.sha256(source.encode()).hexdigest()
    hit = _compiled.get(key)
    if hit is not None:
        _compiled.move_to_end(key)
        return hit
    info = analyze(source)
    with guards.trusted():
        # Annotations stay strings (PEP 563): `-> dict[str, Any]` must not need `typing`, which
        # the function's own source usually imports at module level, where we never see it.
        flags = __future__.annotations.compiler_flag
        tree = _StringMethods().visit(ast.parse(source, FILENAME))
        code = compile(
            ast.fix_missing_locations(tree), FILENAME, "exec", flags=flags, dont_inherit=True
        )
    compiled = _compiled[key] = Compiled(code, info.name)
    if len(_compiled) > _CACHE_SIZE:
        _compiled.popitem(last=False)
    return compiled


def _line_of(exc: BaseException) -> str:
    """Where in the user's function `exc` was raised, as ` (line N)`, if it was."""
    line = None
    with guards.trusted():  # tb_frame is an audited attribute
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == FILENAME:
                line = tb.tb_lineno
            tb = tb.tb_next
    return f" (line {line})" if line is not None else ""


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - e.g. an int too long to print
        text = ""
    text = text[: errors.MAX_MESSAGE_CHARS]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failure(type_: str, message: str, *, recycle: bool = False) -> dict[str, Any]:
    # A message can hold lone surrogates (from the function's own strings), which JSON cannot.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return {"error": {"type": type_, "message": message}, "recycle": recycle}


def call(
    source: str, kwargs: dict[str, Any], outputs: list[Output] | None, cpu_seconds: float
) -> dict[str, Any]:
    """Run one call; the reply `{value}` or `{error: {type, message}, recycle}`.

    `recycle` asks the server to replace this process: after a violation, a memory error or a
    harness failure its state is not trusted any more.
    """
    guards.take_violations()
    try:
        compiled = compile_source(source)
    except SourceError as exc:
        kind = errors.SANDBOX_VIOLATION if exc.violation else errors.ERROR
        return _failure(kind, f"function_source: {exc.message}")
    namespace: dict[str, Any] = {"__builtins__": dict(BUILTINS), "__name__": "custom_function"}
    decimal.setcontext(decimal.Context())
    guards.arm_cpu_limit(cpu_seconds)
    try:
        exec(compiled.code, namespace)  # noqa: S102 - the sandbox's purpose: checked source, guarded process
        value = namespace[compiled.name](**kwargs)
    except guards.SandboxViolation as exc:
        guards.take_violations()
        return _failure(errors.SANDBOX_VIOLATION, str(exc), recycle=True)
    except MemoryError:
        message = "the function ran out of memory (the sandbox's limit)"
        return _failure(errors.MEMORY_LIMIT, message, recycle=True)
    except BaseException as exc:  # noqa: BLE001 - the function's own error, SystemExit included
        return _failure(errors.ERROR, _describe(exc) + _line_of(exc))
    refused = guards.take_violations()
    if refused:  # the function caught the violation and went on
        return _failure(errors.SANDBOX_VIOLATION, refused[0], recycle=True)
    try:
        return {"value": shape(value, outputs)}
    except ResultError as exc:
        return _failure(errors.INVALID_RESULT, str(exc))
