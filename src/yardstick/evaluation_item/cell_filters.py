"""Item-list filters on one alias's cell (Yardstick's own query parameters).

- `task_status=<alias>:<status>`: the item's cell for `alias` has that status (`completed`,
  `errored`, `skipped`, `prefilled`, or `pending`: no finished cell yet);
- `error_type=<type>` or `<alias>:<type>`: the item has an errored cell of that error type (on
  that alias).

Each may repeat; every one given must hold (and `completion_status` too). The value splits at
its last `:` (statuses and error types hold none; aliases may).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, not_

from yardstick.errors import Unprocessable
from yardstick.models import EvaluationItem, TaskResult

STATUSES = ("completed", "errored", "skipped", "prefilled", "pending")
# A cell in one of these states holds its alias's outcome; anything else is pending.
FINISHED = ("completed", "errored", "skipped", "prefilled")


@dataclass(frozen=True)
class CellFilter:
    alias: str | None
    status: str | None = None
    error_type: str | None = None

    @property
    def parameter(self) -> str:
        """The query parameter it came from, for error messages."""
        return "task_status" if self.status is not None else "error_type"

    def condition(self) -> ColumnElement[bool]:
        cell = [TaskResult.item_id == EvaluationItem.id]
        if self.alias is not None:
            cell.append(TaskResult.alias == self.alias)
        if self.status == "pending":
            return not_(exists().where(*cell, TaskResult.status.in_(FINISHED)))
        if self.status is not None:
            return exists().where(*cell, TaskResult.status == self.status)
        errored = TaskResult.status == "errored"
        return exists().where(*cell, errored, TaskResult.error_type == self.error_type)


def parse(task_status: Sequence[str], error_type: Sequence[str]) -> list[CellFilter]:
    """The filters of the query string; a malformed one is a 422 naming its parameter."""
    filters = []
    for value in task_status:
        alias, sep, status = value.rpartition(":")
        if not sep or not alias:
            raise Unprocessable(["query", "task_status"], f"{value!r}: expected <alias>:<status>")
        if status not in STATUSES:
            raise Unprocessable(
                ["query", "task_status"], f"{status!r} is not one of {', '.join(STATUSES)}"
            )
        filters.append(CellFilter(alias, status=status))
    for value in error_type:
        alias, _, kind = value.rpartition(":")
        if not kind:
            raise Unprocessable(
                ["query", "error_type"], f"{value!r}: expected <type> or <alias>:<type>"
            )
        filters.append(CellFilter(alias or None, error_type=kind))
    return filters


def check_aliases(filters: Sequence[CellFilter], aliases: set[str], evaluation_id: str) -> None:
    """A filter on an alias the evaluation does not have is a mistake, not an empty page."""
    for f in filters:
        if f.alias is not None and f.alias not in aliases:
            raise Unprocessable(
                ["query", f.parameter], f"evaluation {evaluation_id!r} has no task {f.alias!r}"
            )


def require_evaluation_for_pending(filters: Sequence[CellFilter]) -> None:
    """`<alias>:pending` across evaluations would match every item of the evaluations that have
    no such task (no cell, so none finished): it needs `evaluation_id`."""
    for f in filters:
        if f.status == "pending":
            raise Unprocessable(
                ["query", "task_status"],
                f"{f.alias}:pending needs evaluation_id (without it, the items of evaluations "
                f"that have no task {f.alias!r} would match too)",
            )
