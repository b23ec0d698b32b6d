"""Normalise the `tasks` of an evaluation create: resolve type and alias, validate, reject clashes."""

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict

import yardstick.task.types  # noqa: F401  (registers every task type)
from yardstick.task.registry import REGISTRY, infer_task_type
from yardstick.task.validation import ValidationContext, fail


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task_type: str | None = None
    alias: str | None = None
    configuration: dict[str, Any]


def normalize_tasks(
    tasks: list[TaskIn], *, input_keys: Iterable[str], ctx: ValidationContext
) -> list[dict[str, Any]]:
    """Validated tasks as stored and echoed: `{task_type, alias, configuration}` in input order."""
    keys = set(input_keys)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks):
        loc: list[str | int] = ["body", "tasks", index]
        # Only an absent task_type is inferred; an empty one is an unknown type, not a missing one.
        task_type = task.task_type
        if task_type is None:
            task_type = infer_task_type(task.configuration)
        if task_type is None:
            fail([*loc, "task_type"], "task_type is missing and cannot be inferred from the configuration")
        assert task_type is not None
        kind = REGISTRY.get(task_type)
        if kind is None:
            fail([*loc, "task_type"], f"unknown task_type {task_type!r}; one of {', '.join(REGISTRY)}")
        assert kind is not None
        columns = frozenset(keys.union(seen))
        kind.validate(task.configuration, [*loc, "configuration"], replace(ctx, columns=columns))
        alias = task.alias if task.alias is not None else kind.alias_for(task.configuration)
        # No `/` either: an alias is a path segment of the task routes.
        if not alias or "." in alias or "/" in alias or alias.strip() != alias:
            fail(
                [*loc, "alias"],
                "alias must be a non-empty name without dots, slashes or surrounding spaces",
            )
        if alias in seen:
            fail([*loc, "alias"], f"alias {alias!r} is already used by task {seen[alias]}; give each task its own alias")
        if alias in keys:
            fail([*loc, "alias"], f"alias {alias!r} would shadow the input field of the same name")
        seen[alias] = index
        out.append({"task_type": task_type, "alias": alias, "configuration": task.configuration})
    return out


def is_executable(task: dict[str, Any]) -> bool:
    return REGISTRY[task["task_type"]].executable
