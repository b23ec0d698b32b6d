"""Reading a custom function's source: one top-level `def`, its signature, and the static rules.

`analyze` runs when a task is created (so a bad function is a 422, not a column of errors) and
again inside the sandbox process before anything is compiled, because the process must not trust
what it is sent. The static rules are the first layer of the sandbox:

- imports (anywhere) only of `policy.ALLOWED_MODULES`;
- no attribute whose name starts with `_` (dunders included: `().__class__.__bases__`, a
  function's `__globals__`) and no frame or code internals (`gi_frame`, `f_back`, …): this is
  what closes the classic escapes from restricted builtins back to the real ones;
- no name starting with `__` (`__import__`, `__builtins__`, `__build_class__`);
- no attribute assignment or deletion and no `class` statements, so a call cannot change a class
  or module object that later calls (of other accounts) share in the same sandbox process;
- class patterns (`case object(attr=x)`) read attributes by name too, under the same rule;
- no decorators, on the function or inside it.

Strings given to `getattr` are checked at run time by the same predicate (see `runtime`).
"""

import ast
from dataclasses import dataclass

from yardstick.sandbox.policy import allowed_list, attribute_allowed, module_allowed

MAX_SOURCE_CHARS = 100_000


class SourceError(Exception):
    """The source breaks a rule; `message` says which and where.

    `violation` tells a sandbox rule (an import, an attribute) from a source that is simply not
    one Python function.
    """

    def __init__(self, message: str, *, violation: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.violation = violation


def _rule(message: str) -> SourceError:
    return SourceError(message, violation=True)


@dataclass(frozen=True)
class Param:
    name: str
    has_default: bool
    # A positional-only parameter (before `/`) cannot be passed by keyword, so it cannot be bound.
    positional_only: bool = False


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    params: tuple[Param, ...]
    # `**kwargs`: any config_args / arg_mapping key is accepted.
    accepts_any_keyword: bool

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _where(node: ast.AST) -> str:
    line = getattr(node, "lineno", None)
    return f" (line {line})" if line is not None else ""


def _signature(fn: ast.FunctionDef) -> FunctionInfo:
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    params = [
        Param(arg.arg, index >= first_default, positional_only=index < len(a.posonlyargs))
        for index, arg in enumerate(positional)
    ]
    params += [
        Param(arg.arg, default is not None) for arg, default in zip(a.kwonlyargs, a.kw_defaults)
    ]
    return FunctionInfo(fn.name, tuple(params), accepts_any_keyword=a.kwarg is not None)


def _check_import(node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            raise _rule(f"relative imports are not allowed{_where(node)}")
        modules = [node.module or ""]
        names = [alias.name for alias in node.names]
    else:
        modules = [alias.name for alias in node.names]
        names = []
    for module in modules:
        if not module_allowed(module):
            raise _rule(
                f"import of {module!r} is not allowed{_where(node)}; "
                f"custom functions may import: {allowed_list()}"
            )
    for name in names:
        if name.startswith("_"):
            raise _rule(f"importing the private name {name!r} is not allowed{_where(node)}")
    for alias in node.names:
        if alias.asname is not None and alias.asname.startswith("__"):
            raise _rule(f"the name {alias.asname!r} is not allowed{_where(node)}")


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        _check_import(node)
    elif isinstance(node, ast.Attribute):
        if not attribute_allowed(node.attr):
            raise _rule(
                f"the attribute {node.attr!r} is not allowed{_where(node)}: names starting with "
                "'_' and frame or code internals are off limits in custom functions"
            )
        if not isinstance(node.ctx, ast.Load):
            raise _rule(
                f"assigning to or deleting the attribute {node.attr!r} is not allowed{_where(node)}"
            )
    elif isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise _rule(f"the name {node.id!r} is not allowed{_where(node)}")
    elif isinstance(node, ast.MatchClass):
        # `case object(__globals__=g)` reads the attribute by its name, in C.
        for name in node.kwd_attrs:
            if not attribute_allowed(name):
                raise _rule(
                    f"the attribute {name!r} is not allowed in a class pattern{_where(node)}: "
                    "names starting with '_' and frame or code internals are off limits in "
                    "custom functions"
                )
    elif isinstance(node, ast.ClassDef):
        raise _rule(f"class definitions are not allowed in custom functions{_where(node)}")
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
        raise SourceError(f"decorators are not supported{_where(node.decorator_list[0])}")


def analyze(source: str) -> FunctionInfo:
    """The function `source` defines, or SourceError naming the first rule it breaks."""
    if len(source) > MAX_SOURCE_CHARS:
        raise SourceError(f"must be at most {MAX_SOURCE_CHARS} characters")
    try:
        tree = ast.parse(source, filename="<custom_function>", mode="exec")
    except SyntaxError as exc:
        raise SourceError(f"is not valid Python: {exc.msg} (line {exc.lineno})") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise SourceError(f"is not valid Python: {type(exc).__name__}: {exc}") from exc
    if any(isinstance(node, ast.AsyncFunctionDef) for node in tree.body):
        raise SourceError("must define a plain function (`def`), not an `async def`")
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if len(tree.body) != 1 or len(functions) != 1:
        raise SourceError(
            "must define exactly one top-level function and nothing else "
            "(put imports inside the function body)"
        )
    fn = functions[0]
    try:
        for node in ast.walk(tree):
            _check_node(node)
        # What parses may still not compile (`def f(x, x)`, `break` outside a loop): found
        # here, it is a 422 at create rather than a crash of every cell.
        compile(tree, "<custom_function>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise SourceError(f"is not valid Python: {exc.msg} (line {exc.lineno})") from exc
    except RecursionError as exc:
        raise SourceError("is nested too deeply to check") from exc
    return _signature(fn)
