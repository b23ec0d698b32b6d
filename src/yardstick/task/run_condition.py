"""`run_condition`: whether a judge task calls its model on an item, decided before the call.

A condition is an expression tree whose nodes are discriminated by `op`:

- `const {value}`: a literal (`value` absent means null);
- `var {path}`: the item's value at `path`, an item locator (`item.a.b.0`) or the same path
  without `item.` (`a.b.0`). It reads the row the task sees: the input fields and the results
  of the tasks before it. A path the row does not have, and the alias of an earlier task that
  failed on the item, read as null: a condition asks about the data, it never fails a cell;
- `eq`, `ne`, `lt`, `lte`, `gt`, `gte {left, right}`;
- `and`, `or`, `not`, `is_null`, `is_not_null {operands: [...]}` (`not` and the null tests
  take exactly one operand; an empty `and` holds, an empty `or` does not);
- `in`, `not_in {left, operands: [...]}`: whether `left` equals one of the operands.

Inside `left`, `right` and `operands`, an object with an `op` key is a sub-expression and
anything else is a literal (so the string `"item.x"` there is that string: read the item with
`{"op": "var", "path": "item.x"}`).

Semantics, chosen so that evaluating never raises: equality is JSON equality (`true` is not
`1`, `1` is `1.0`, null equals null); `lt`/`lte`/`gt`/`gte` compare two numbers or two strings
and are false for any other pair; truth is JSON truthiness (null, false, 0, "", [] and {} are
false). The whole condition holds when its value is truthy.

`validate` runs at create and raises a 422 naming the exact field; `holds` runs per item.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from yardstick.kit.list_index import list_index
from yardstick.task.locator import LOCATOR
from yardstick.task.validation import Loc, fail

COMPARISONS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte"})
CONNECTIVES = frozenset({"and", "or"})
UNARY = frozenset({"not", "is_null", "is_not_null"})
MEMBERSHIP = frozenset({"in", "not_in"})
# Per op: (required fields, optional fields).
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "const": (frozenset(), frozenset({"value"})),
    "var": (frozenset({"path"}), frozenset()),
    **{op: (frozenset({"left", "right"}), frozenset()) for op in COMPARISONS},
    **{op: (frozenset({"operands"}), frozenset()) for op in CONNECTIVES | UNARY},
    **{op: (frozenset({"left", "operands"}), frozenset()) for op in MEMBERSHIP},
}
OPS = tuple(FIELDS)
# Deeper trees are refused: evaluation recurses, and no real condition nests this far.
MAX_DEPTH = 32


def locator_for(path: str) -> str:
    """`var.path` as an item locator: `x.y` reads `item.x.y`."""
    return path if path.startswith("item.") else f"item.{path}"


def is_expression(value: Any) -> bool:
    return isinstance(value, dict) and "op" in value


# Validation -----------------------------------------------------------------------------------


def validate(node: Any, loc: Loc, depth: int = 0) -> None:
    """A well-formed condition (the root must be an expression), else a 422 at the bad field."""
    if depth > MAX_DEPTH:
        fail(loc, f"conditions nest at most {MAX_DEPTH} levels deep")
    if not isinstance(node, dict):
        fail(loc, "must be an expression object with an `op`")
    op = node.get("op")
    if op is None:
        fail([*loc, "op"], "field required")
    if not isinstance(op, str) or op not in FIELDS:
        fail([*loc, "op"], f"unknown op {op!r}; one of {', '.join(OPS)}")
    required, optional = FIELDS[op]
    for key in sorted(required - node.keys()):
        fail([*loc, key], "field required")
    for key in sorted(node.keys() - required - optional - {"op"}):
        fields = ", ".join(sorted(required | optional)) or "none"
        fail([*loc, key], f"unexpected field for op {op!r} (its fields: {fields})")
    if op == "const":
        if isinstance(node.get("value"), dict | list):
            fail([*loc, "value"], "must be a string, number, boolean or null")
    elif op == "var":
        path = node["path"]
        if not isinstance(path, str) or LOCATOR.match(locator_for(path)) is None:
            fail(
                [*loc, "path"],
                "must be an item path like 'item.field' or 'field.0.key' (no spaces or braces)",
            )
    for key in ("left", "right"):
        if key in node:
            _validate_operand(node[key], [*loc, key], depth)
    if "operands" in node:
        operands = node["operands"]
        if not isinstance(operands, list):
            fail([*loc, "operands"], "must be a list")
        if op in UNARY and len(operands) != 1:
            fail([*loc, "operands"], f"op {op!r} takes exactly one operand")
        for index, operand in enumerate(operands):
            _validate_operand(operand, [*loc, "operands", index], depth)


def _validate_operand(value: Any, loc: Loc, depth: int) -> None:
    if is_expression(value):
        validate(value, loc, depth + 1)


def check_run_condition(config: dict[str, Any], loc: Loc) -> None:
    """The optional `run_condition` of a task configuration."""
    if config.get("run_condition") is not None:
        validate(config["run_condition"], [*loc, "run_condition"])


# Evaluation -----------------------------------------------------------------------------------


_MISSING = object()


def _read(row: Mapping[str, Any], path: str) -> Any:
    value: Any = row
    for segment in locator_for(path).split(".")[1:]:
        if isinstance(value, Mapping):
            value = value.get(segment, _MISSING)
        elif isinstance(value, list) and (index := list_index(segment, len(value))) is not None:
            value = value[index]
        else:
            return None
        if value is _MISSING:
            return None
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def equal(left: Any, right: Any) -> bool:
    """JSON equality: booleans never equal numbers, which Python's `==` would allow."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def _order(op: str, left: Any, right: Any) -> bool:
    comparable = (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )
    if not comparable:
        return False
    if op == "lt":
        return bool(left < right)
    if op == "lte":
        return bool(left <= right)
    if op == "gt":
        return bool(left > right)
    return bool(left >= right)


def truthy(value: Any) -> bool:
    return bool(value)  # JSON values: null, false, 0, "", [] and {} are exactly Python's falsy


def evaluate(node: Any, row: Mapping[str, Any]) -> Any:
    """The value of an expression (or a literal) on `row`."""
    if not is_expression(node):
        return node
    op = node["op"]
    if op == "const":
        return node.get("value")
    if op == "var":
        return _read(row, node["path"])
    if op in COMPARISONS:
        left, right = evaluate(node["left"], row), evaluate(node["right"], row)
        if op == "eq":
            return equal(left, right)
        if op == "ne":
            return not equal(left, right)
        return _order(op, left, right)
    operands: Sequence[Any] = node["operands"]
    if op == "and":
        return all(truthy(evaluate(operand, row)) for operand in operands)
    if op == "or":
        return any(truthy(evaluate(operand, row)) for operand in operands)
    if op == "not":
        return not truthy(evaluate(operands[0], row))
    if op == "is_null":
        return evaluate(operands[0], row) is None
    if op == "is_not_null":
        return evaluate(operands[0], row) is not None
    left = evaluate(node["left"], row)
    found = any(equal(left, evaluate(operand, row)) for operand in operands)
    return found if op == "in" else not found


def holds(condition: Any, row: Mapping[str, Any]) -> bool:
    """Whether a task with this `run_condition` runs on `row` (no condition: it always does)."""
    return condition is None or truthy(evaluate(condition, row))
