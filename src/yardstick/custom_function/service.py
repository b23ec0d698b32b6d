"""Dry runs of a task on sample rows: validated like the task, run like one of its cells.

Rows run concurrently on the sandbox pool (so at most one per sandbox process at a time) within
one overall budget: the official client gives up on a request after 60 s and retries it, so a
function that times out on every row must not hold the request for rows × the time limit. Rows
not started when the budget is spent fail with CustomFunctionTimeout without running.
"""

import asyncio
import time
from typing import Any

from yardstick.custom_function.schemas import DryRunIn
from yardstick.errors import Unprocessable
from yardstick.sandbox.errors import SandboxError
from yardstick.task import custom_function
from yardstick.task.locator import LocatorError, UpstreamError
from yardstick.task.registry import REGISTRY, infer_task_type
from yardstick.task.validation import ValidationContext

BUDGET_SECONDS = 30.0
DRY_RUN_TYPES = ("custom_function",)


def _no_lookup(_: str) -> Any:
    raise AssertionError("a custom function looks nothing up in the account")


# Rows differ in their fields, so `columns` is unknown: a parameter no row can fill is reported
# per row (ItemLocatorError), where the dry run shows which rows lack it.
_CONTEXT = ValidationContext(question_problem=_no_lookup, model_problem=_no_lookup, columns=None)


class DryRunService:
    async def run(self, body: DryRunIn) -> dict[str, Any]:
        """`{object: "list", items: [{index, result, error}]}`, one item per sample row."""
        task_type = body.task_type or infer_task_type(body.configuration)
        if task_type not in DRY_RUN_TYPES:
            raise Unprocessable(
                ["body", "task_type"],
                f"only {', '.join(DRY_RUN_TYPES)} tasks can be dry-run"
                + ("" if task_type is None else f", not {task_type!r}"),
            )
        REGISTRY[task_type].validate(body.configuration, ["body", "configuration"], _CONTEXT)
        not_after = time.monotonic() + BUDGET_SECONDS
        items = await asyncio.gather(
            *(
                self._row(index, row, body.configuration, not_after)
                for index, row in enumerate(body.sample_data)
            )
        )
        return {"object": "list", "items": items}

    @staticmethod
    async def _row(
        index: int, row: dict[str, Any], config: dict[str, Any], not_after: float
    ) -> dict[str, Any]:
        try:
            kwargs = custom_function.bind(config, row, frozenset())
            result = await custom_function.call(config, kwargs, not_after=not_after)
        except (LocatorError, UpstreamError) as exc:
            error = {"type": exc.type, "message": str(exc)}
            return {"index": index, "result": None, "error": error}
        except SandboxError as exc:
            return {"index": index, "result": None, "error": exc.as_dict()}
        return {"index": index, "result": result, "error": None}


dry_run_service = DryRunService()
