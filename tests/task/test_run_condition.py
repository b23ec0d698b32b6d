"""`run_condition`: every op, nesting, missing paths, odd types, and the 422s of bad trees."""

from typing import Any

import pytest

from yardstick.errors import Unprocessable
from yardstick.task.locator import resolve_config
from yardstick.task.run_condition import evaluate, holds, validate

ROW: dict[str, Any] = {
    "score": 4,
    "ratio": 0.5,
    "label": "good",
    "flag": True,
    "nothing": None,
    "empty": "",
    "tags": ["a", "b"],
    "nested": {"inner": {"value": 7}, "list": [{"k": "x"}]},
    "answer": "echo: hi",
}


def var(path: str) -> dict[str, Any]:
    return {"op": "var", "path": path}


def const(value: Any) -> dict[str, Any]:
    return {"op": "const", "value": value}


def loc_of(condition: Any) -> list[Any]:
    with pytest.raises(Unprocessable) as caught:
        validate(condition, ["run_condition"])
    (error,) = caught.value.detail
    return list(error["loc"])


# Leaves -------------------------------------------------------------------------------------------


def test_const_and_var() -> None:
    assert evaluate(const(3), ROW) == 3
    assert evaluate({"op": "const"}, ROW) is None
    assert evaluate(var("item.score"), ROW) == 4
    assert evaluate(var("score"), ROW) == 4  # a bare path reads the item too
    assert evaluate(var("nested.inner.value"), ROW) == 7
    assert evaluate(var("item.nested.list.0.k"), ROW) == "x"
    assert evaluate(var("item.tags.1"), ROW) == "b"


@pytest.mark.parametrize(
    "path",
    ["missing", "item.missing", "nested.nope", "tags.5", "tags.x", "score.deeper", "item.item"],
)
def test_a_missing_path_is_null(path: str) -> None:
    assert evaluate(var(path), ROW) is None
    assert holds({"op": "is_null", "operands": [var(path)]}, ROW)


def test_a_literal_operand_is_not_read_as_a_locator() -> None:
    assert evaluate({"op": "eq", "left": "item.label", "right": "item.label"}, ROW) is True
    assert evaluate({"op": "eq", "left": var("label"), "right": "item.label"}, ROW) is False
    # An object without `op` is a literal too.
    assert evaluate({"op": "eq", "left": {"a": 1}, "right": {"a": 1}}, ROW) is True


# Comparisons --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("eq", var("score"), 4, True),
        ("eq", var("score"), 4.0, True),
        ("eq", var("score"), "4", False),
        ("eq", var("flag"), 1, False),  # JSON: true is not 1
        ("eq", 1, True, False),
        ("eq", var("flag"), True, True),
        ("eq", var("nothing"), None, True),
        ("eq", var("missing"), None, True),
        ("eq", var("tags"), ["a", "b"], True),
        ("eq", var("tags"), ["b", "a"], False),
        ("eq", [1, True], [1, 1], False),
        ("ne", var("label"), "bad", True),
        ("ne", var("label"), "good", False),
        ("ne", var("score"), "4", True),
        ("lt", var("score"), 5, True),
        ("lt", var("score"), 4, False),
        ("lte", var("score"), 4, True),
        ("gt", var("ratio"), 0.25, True),
        ("gt", var("ratio"), 0.5, False),
        ("gte", var("ratio"), 0.5, True),
        ("lt", "abc", "abd", True),
        ("gte", var("label"), "good", True),
    ],
)
def test_comparisons(op: str, left: Any, right: Any, expected: bool) -> None:
    assert evaluate({"op": op, "left": left, "right": right}, ROW) is expected


@pytest.mark.parametrize("op", ["lt", "lte", "gt", "gte"])
@pytest.mark.parametrize(
    ("left", "right"),
    [
        (var("score"), "5"),
        (var("label"), 3),
        (var("missing"), 3),
        (None, None),
        (var("flag"), False),  # booleans are not ordered
        (True, 0),
        (var("tags"), ["a"]),
        ({"a": 1}, {"a": 2}),
    ],
)
def test_ordering_incomparable_values_is_false(op: str, left: Any, right: Any) -> None:
    assert evaluate({"op": op, "left": left, "right": right}, ROW) is False


# Connectives and null tests -----------------------------------------------------------------------


def test_and_or_not() -> None:
    yes = {"op": "eq", "left": var("label"), "right": "good"}
    no = {"op": "gt", "left": var("score"), "right": 10}
    assert holds({"op": "and", "operands": [yes, yes]}, ROW)
    assert not holds({"op": "and", "operands": [yes, no]}, ROW)
    assert holds({"op": "or", "operands": [no, yes]}, ROW)
    assert not holds({"op": "or", "operands": [no, no]}, ROW)
    assert holds({"op": "not", "operands": [no]}, ROW)
    assert not holds({"op": "not", "operands": [yes]}, ROW)
    assert holds({"op": "and", "operands": []}, ROW)
    assert not holds({"op": "or", "operands": []}, ROW)


@pytest.mark.parametrize(
    ("operand", "truth"),
    [
        (var("flag"), True),
        (var("score"), True),
        (var("label"), True),
        (var("tags"), True),
        (var("empty"), False),
        (var("nothing"), False),
        (var("missing"), False),
        (0, False),
        ([], False),
        ({}, False),
        ("text", True),
    ],
)
def test_operands_are_json_truthy(operand: Any, truth: bool) -> None:
    assert holds({"op": "and", "operands": [operand]}, ROW) is truth
    assert holds({"op": "not", "operands": [operand]}, ROW) is not truth


@pytest.mark.parametrize(
    ("condition", "truth"),
    [
        (var("flag"), True),
        (var("label"), True),
        (var("empty"), False),
        (var("missing"), False),
        (const(0), False),
        (const("no"), True),  # a non-empty string is truthy, whatever it says
        (const(None), False),
    ],
)
def test_the_whole_condition_holds_when_its_value_is_truthy(
    condition: dict[str, Any], truth: bool
) -> None:
    assert holds(condition, ROW) is truth


def test_is_null_and_is_not_null() -> None:
    assert holds({"op": "is_null", "operands": [var("nothing")]}, ROW)
    assert holds({"op": "is_null", "operands": [var("missing")]}, ROW)
    assert not holds({"op": "is_null", "operands": [var("empty")]}, ROW)  # "" is not null
    assert holds({"op": "is_not_null", "operands": [var("empty")]}, ROW)
    assert not holds({"op": "is_not_null", "operands": [var("nothing")]}, ROW)
    assert holds({"op": "is_not_null", "operands": [0]}, ROW)


def test_in_and_not_in() -> None:
    assert holds({"op": "in", "left": var("label"), "operands": ["good", "great"]}, ROW)
    assert not holds({"op": "in", "left": var("label"), "operands": ["bad"]}, ROW)
    assert not holds({"op": "in", "left": var("label"), "operands": []}, ROW)
    assert holds({"op": "not_in", "left": var("label"), "operands": ["bad", "worse"]}, ROW)
    assert not holds({"op": "not_in", "left": var("score"), "operands": [3, 4.0]}, ROW)
    assert not holds({"op": "in", "left": var("flag"), "operands": [1]}, ROW)
    assert holds({"op": "in", "left": var("missing"), "operands": [None]}, ROW)
    # Operands may be expressions.
    assert holds(
        {"op": "in", "left": 7, "operands": [var("score"), var("nested.inner.value")]}, ROW
    )


def test_nesting() -> None:
    condition = {
        "op": "and",
        "operands": [
            {"op": "is_not_null", "operands": [var("item.answer")]},
            {
                "op": "or",
                "operands": [
                    {"op": "gte", "left": var("score"), "right": const(4)},
                    {"op": "not", "operands": [{"op": "eq", "left": var("flag"), "right": True}]},
                ],
            },
            {"op": "not_in", "left": var("nested.inner.value"), "operands": [1, 2, 3]},
        ],
    }
    validate(condition, ["run_condition"])
    assert holds(condition, ROW)
    assert not holds(condition, {**ROW, "score": 3})
    assert holds(condition, {**ROW, "score": 3, "flag": False})
    assert not holds(condition, {**ROW, "answer": None})
    assert not holds(condition, {})


def test_no_condition_always_holds() -> None:
    assert holds(None, ROW)
    assert holds(None, {})


# Validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "loc"),
    [
        ("item.x", ["run_condition"]),
        ([{"op": "const"}], ["run_condition"]),
        ({"path": "item.x"}, ["run_condition", "op"]),
        ({"op": None}, ["run_condition", "op"]),
        ({"op": "equals", "left": 1, "right": 1}, ["run_condition", "op"]),
        ({"op": 3}, ["run_condition", "op"]),
        ({"op": "var"}, ["run_condition", "path"]),
        ({"op": "var", "path": ""}, ["run_condition", "path"]),
        ({"op": "var", "path": "a b"}, ["run_condition", "path"]),
        ({"op": "var", "path": "{{item.x}}"}, ["run_condition", "path"]),
        ({"op": "var", "path": 3}, ["run_condition", "path"]),
        ({"op": "var", "path": "x", "value": 1}, ["run_condition", "value"]),
        ({"op": "const", "value": [1]}, ["run_condition", "value"]),
        ({"op": "const", "value": {"a": 1}}, ["run_condition", "value"]),
        ({"op": "eq", "left": 1}, ["run_condition", "right"]),
        ({"op": "lt", "right": 1}, ["run_condition", "left"]),
        ({"op": "eq", "left": 1, "right": 2, "operands": []}, ["run_condition", "operands"]),
        ({"op": "and"}, ["run_condition", "operands"]),
        ({"op": "or", "operands": "x"}, ["run_condition", "operands"]),
        ({"op": "not", "operands": []}, ["run_condition", "operands"]),
        ({"op": "not", "operands": [True, False]}, ["run_condition", "operands"]),
        ({"op": "is_null", "operands": []}, ["run_condition", "operands"]),
        ({"op": "in", "operands": [1]}, ["run_condition", "left"]),
        ({"op": "not_in", "left": 1}, ["run_condition", "operands"]),
        ({"op": "in", "left": 1, "right": 2, "operands": [1]}, ["run_condition", "right"]),
        (
            {"op": "and", "operands": [{"op": "const"}, {"op": "nope"}]},
            ["run_condition", "operands", 1, "op"],
        ),
        (
            {"op": "eq", "left": {"op": "var", "path": "x y"}, "right": 1},
            ["run_condition", "left", "path"],
        ),
        (
            {"op": "not", "operands": [{"op": "or", "operands": [{"op": "gt", "left": 1}]}]},
            ["run_condition", "operands", 0, "operands", 0, "right"],
        ),
        (
            {"op": "in", "left": 1, "operands": [2, {"op": "var"}]},
            ["run_condition", "operands", 1, "path"],
        ),
    ],
)
def test_bad_conditions_name_the_exact_field(condition: Any, loc: list[Any]) -> None:
    assert loc_of(condition) == loc


def test_too_deep_a_tree_is_refused() -> None:
    condition: dict[str, Any] = {"op": "const", "value": True}
    for _ in range(40):
        condition = {"op": "not", "operands": [condition]}
    assert loc_of(condition)[:3] == ["run_condition", "operands", 0]


@pytest.mark.parametrize(
    "condition",
    [
        {"op": "const", "value": None},
        {"op": "const"},
        {"op": "var", "path": "item"},
        {"op": "var", "path": "a.0.b"},
        {"op": "eq", "left": None, "right": [1, {"x": "item.y"}]},
        {"op": "in", "left": {"not": "an expression"}, "operands": []},
        {"op": "and", "operands": []},
    ],
)
def test_good_conditions_pass(condition: Any) -> None:
    validate(condition, ["run_condition"])


def test_resolving_a_configuration_leaves_the_condition_alone() -> None:
    condition = {"op": "eq", "left": "item.label", "right": {"op": "var", "path": "item.label"}}
    config = {"prompt": "{{item.label}}", "run_condition": condition}
    resolved = resolve_config(config, ROW, set())
    assert resolved == {"prompt": "good", "run_condition": condition}
    assert holds(resolved["run_condition"], ROW) is False  # the literal "item.label" is not "good"
