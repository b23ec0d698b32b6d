"""Checks a task configuration at create time; every failure is a 422 naming its field."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from yardstick.errors import Unprocessable
from yardstick.rubric.snapshot import RubricRefusal, RubricSnapshot
from yardstick.task.locator import is_locator

Loc = list[str | int]

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    list: "a list",
    dict: "an object",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
}


def _no_rubrics(rubric_id: str, version: int | None) -> RubricSnapshot | RubricRefusal:
    return RubricRefusal("rubric_id", "rubrics cannot be used here")


@dataclass(frozen=True)
class ValidationContext:
    """What a task may need to know about the rest of the account while it is validated."""

    # Why a task cannot use a question (none such in the account, or archived), or None.
    question_problem: Callable[[str], str | None]
    # Why a task's `model` cannot be served (vendor not configured, unknown name), or None.
    model_problem: Callable[[str], str | None]
    # The fields an item may have when the task runs: the rows' input keys and the aliases of
    # the tasks before it. None where that is not known.
    columns: frozenset[str] | None = None
    # The criteria a task naming (rubric id, rubric version or None for the latest) would pin,
    # or why it cannot use that rubric.
    rubric: Callable[[str, int | None], RubricSnapshot | RubricRefusal] = _no_rubrics


def fail(loc: Loc, msg: str) -> NoReturn:
    raise Unprocessable(loc, msg)


def _matches(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def check(
    config: dict[str, Any],
    key: str,
    kind: type,
    loc: Loc,
    *,
    required: bool = False,
    locator_ok: bool = False,
) -> Any:
    """`config[key]` has type `kind` (or, where `locator_ok`, is an item locator string)."""
    if key not in config or config[key] is None:
        if required:
            fail([*loc, key], "field required")
        return None
    value = config[key]
    if _matches(value, kind):
        return value
    if locator_ok and isinstance(value, str):
        if not is_locator(value):
            fail([*loc, key], f"must be {_TYPE_NAMES[kind]} or an item locator like 'item.field'")
        return value
    expected = _TYPE_NAMES[kind] + (" or an item locator" if locator_ok else "")
    fail([*loc, key], f"must be {expected}")
    return None


def check_str(config: dict[str, Any], key: str, loc: Loc, *, required: bool = False) -> str | None:
    value = check(config, key, str, loc, required=required)
    if required and value == "":
        fail([*loc, key], "must not be empty")
    return value  # type: ignore[no-any-return]


def check_question(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
    question_id = check_str(config, "question_id", loc, required=True)
    assert question_id is not None
    problem = ctx.question_problem(question_id)
    if problem is not None:
        fail([*loc, "question_id"], problem)


def check_model(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
    model = check_str(config, "model", loc, required=True)
    assert model is not None
    problem = ctx.model_problem(model)
    if problem is not None:
        fail([*loc, "model"], problem)
