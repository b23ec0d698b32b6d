"""Normalise the `tasks` of an evaluation create: resolve type and alias, validate, reject clashes."""

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any, TypedDict

from pydantic import BaseModel, ConfigDict

import yardstick.task.types  # noqa: F401  (registers every task type)
from yardstick.task.registry import REGISTRY, infer_task_type
from yardstick.task.validation import Loc, ValidationContext, fail

# What a cell's key column holds (task_results.alias).
MAX_ALIAS_LENGTH = 256
# Tasks of one evaluation. Pages of items read every task's cell as columns of one row: at 200
# tasks SQLite refused the row ("too many columns in result set"), and PostgreSQL takes at most
# 1,664 columns.
MAX_TASKS = 100


class Task(TypedDict):
    """A validated task as stored in `evaluations.tasks` and run by the engine."""

    task_type: str
    alias: str
    configuration: dict[str, Any]


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task_type: str | None = None
    alias: str | None = None
    configuration: dict[str, Any]


def check_task_count(count: int, loc: Loc) -> None:
    """A 422 at `loc` when an evaluation would hold more than MAX_TASKS tasks."""
    if count > MAX_TASKS:
        fail(loc, f"at most {MAX_TASKS} tasks in an evaluation, not {count}")


def normalize_tasks(
    tasks: list[TaskIn], *, input_keys: Iterable[str], ctx: ValidationContext
) -> list[dict[str, Any]]:
    """Validated tasks as stored and echoed: `{task_type, alias, configuration}` in input order."""
    check_task_count(len(tasks), ["body", "tasks"])
    keys = set(input_keys)
    out: list[dict[str, Any]] = []
    for index, task in enumerate(tasks):
        out.append(
            normalize_task(
                task,
                ["body", "tasks", index],
                input_keys=keys,
                earlier=[t["alias"] for t in out],
                ctx=ctx,
            )
        )
    return out


def normalize_task(
    task: TaskIn,
    loc: list[str | int],
    *,
    input_keys: AbstractSet[str],
    earlier: Sequence[str],
    ctx: ValidationContext,
) -> dict[str, Any]:
    """One validated task after the tasks whose aliases are `earlier`."""
    # Only an absent task_type is inferred; an empty one is an unknown type, not a missing one.
    task_type = task.task_type
    if task_type is None:
        task_type = infer_task_type(task.configuration)
    if task_type is None:
        fail(
            [*loc, "task_type"],
            "task_type is missing and cannot be inferred from the configuration",
        )
    assert task_type is not None
    kind = REGISTRY.get(task_type)
    if kind is None:
        fail([*loc, "task_type"], f"unknown task_type {task_type!r}; one of {', '.join(REGISTRY)}")
    assert kind is not None
    configuration = validate_configuration(
        task_type,
        task.configuration,
        [*loc, "configuration"],
        columns=input_keys | set(earlier),
        ctx=ctx,
    )
    alias = task.alias if task.alias is not None else kind.alias_for(task.configuration)
    # No `/` either: an alias is a path segment of the task routes.
    if not alias or "." in alias or "/" in alias or alias.strip() != alias:
        fail(
            [*loc, "alias"],
            "alias must be a non-empty name without dots, slashes or surrounding spaces",
        )
    if len(alias) > MAX_ALIAS_LENGTH:
        fail([*loc, "alias"], f"alias must be at most {MAX_ALIAS_LENGTH} characters")
    if alias in earlier:
        position = list(earlier).index(alias)
        fail(
            [*loc, "alias"],
            f"alias {alias!r} is already used by task {position}; give each task its own alias",
        )
    if alias in input_keys:
        fail([*loc, "alias"], f"alias {alias!r} would shadow the input field of the same name")
    return {"task_type": task_type, "alias": alias, "configuration": configuration}


def validate_configuration(
    task_type: str,
    configuration: dict[str, Any],
    loc: list[str | int],
    *,
    columns: AbstractSet[str],
    ctx: ValidationContext,
) -> dict[str, Any]:
    """The configuration to store (see TaskType.pin), or a 422 naming the field when it is not
    a valid one of `task_type`."""
    kind = REGISTRY[task_type]
    if configuration.get("run_condition") is not None and not kind.conditional:
        # Stored but never evaluated, it would run the task on every item: say so instead.
        takers = ", ".join(name for name, other in REGISTRY.items() if other.conditional)
        fail(
            [*loc, "run_condition"],
            f"{task_type} tasks take no run_condition; the task types that do: {takers}",
        )
    ctx = replace(ctx, columns=frozenset(columns))
    kind.validate(configuration, loc, ctx)
    return kind.pin(configuration, loc, ctx)


def is_executable(task: Mapping[str, Any]) -> bool:
    return REGISTRY[task["task_type"]].executable
