"""`_run_item` on one item, without a server: how finished cells read back when a chunk resumes,
and where a `run_condition` stops a task before any model call."""

import asyncio
import logging
from typing import Any, cast

import orjson
import pytest

from yardstick.execution.cells import DoneCell
from yardstick.execution.drain import ShuttingDown
from yardstick.execution.runner import Plan, _run_item
from yardstick.provider import Providers
from yardstick.span.run_traces import TracedCell
from yardstick.task.context import ExecContext, TaskOutput
from yardstick.task.registry import REGISTRY, TaskType

GUIDED = "auto_evaluation.guided_decoding"


class Writer:
    """Collects cells as the runner hands them over; nothing is stopped."""

    stopped = False

    def __init__(self) -> None:
        self.task_stops: dict[str, str] = {}
        self.cells: list[dict[str, Any]] = []
        self.traced: list[TracedCell] = []

    def add(self, row: dict[str, Any], traced: TracedCell | None = None) -> "asyncio.Future[None]":
        self.cells.append(row)
        if traced is not None:
            self.traced.append(traced)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def guided(alias: str, condition: Any) -> dict[str, Any]:
    # An unreachable model: any call would fail the cell with ModelNotFound.
    return {
        "task_type": GUIDED,
        "alias": alias,
        "configuration": {
            "model": "nowhere/x",
            "prompt": "p",
            "choices": ["a"],
            "run_condition": condition,
        },
    }


def reads_input(alias: str) -> dict[str, Any]:
    """A task that resolves `item.first` and then always fails with UnsupportedTask."""
    return {
        "task_type": "application_variant",
        "alias": alias,
        "configuration": {"application_variant_id": "av", "inputs": {"x": "item.first"}},
    }


def run(
    tasks: list[dict[str, Any]], done: dict[tuple[str, str], DoneCell], row: dict[str, Any]
) -> list[dict[str, Any]]:
    plan = Plan(
        evaluation_id="ev",
        run=1,
        tasks=tasks,
        items=[("it", orjson.dumps(row).decode())],
        done=done,
        ctx=ExecContext(providers=cast(Providers, None), account_id="acct"),
    )
    writer = Writer()

    async def main() -> None:
        await _run_item(plan, "it", orjson.dumps(row).decode(), writer)  # type: ignore[arg-type]

    asyncio.run(main())
    return writer.cells


NEVER = {"op": "const", "value": False}


def test_a_false_condition_stores_a_skipped_cell_and_calls_nothing() -> None:
    (cell,) = run([guided("first", NEVER)], {}, {"q": 1})
    assert (cell["status"], cell["value"], cell["error_type"], cell["attempts"]) == (
        "skipped",
        None,
        None,
        0,
    )


def test_a_true_condition_runs_the_task() -> None:
    (cell,) = run(
        [guided("first", {"op": "eq", "left": {"op": "var", "path": "q"}, "right": 1})],
        {},
        {"q": 1},
    )
    assert (cell["status"], cell["error_type"]) == ("errored", "ModelNotFound")  # it did try


def test_a_later_task_reads_a_skipped_alias_as_null_not_as_a_failure() -> None:
    cells = run([guided("first", NEVER), reads_input("second")], {}, {"q": 1})
    assert [cell["status"] for cell in cells] == ["skipped", "errored"]
    assert cells[1]["error_type"] == "UnsupportedTask"  # not UpstreamTaskError


def test_on_resume_a_stored_skipped_cell_reads_as_null_too() -> None:
    done = {("it", "first"): DoneCell("skipped", None)}
    (cell,) = run([guided("first", NEVER), reads_input("second")], done, {"q": 1})
    assert (cell["alias"], cell["error_type"]) == ("second", "UnsupportedTask")


def test_on_resume_a_stored_error_still_fails_its_readers() -> None:
    done = {("it", "first"): DoneCell("errored", None)}
    (cell,) = run([guided("first", NEVER), reads_input("second")], done, {"q": 1})
    assert cell["error_type"] == "UpstreamTaskError"


def test_a_condition_sees_earlier_results_and_prefilled_answers() -> None:
    condition = {"op": "eq", "left": {"op": "var", "path": "review"}, "right": "no"}
    done = {("it", "review"): DoneCell("prefilled", "no")}
    review = {
        "task_type": "contributor_evaluation.question",
        "alias": "review",
        "configuration": {},
    }
    (cell,) = run([review, guided("judge", condition)], done, {})
    assert cell["status"] == "errored"  # the condition held, so the (unreachable) model was tried
    done = {("it", "review"): DoneCell("prefilled", "yes")}
    (cell,) = run([review, guided("judge", condition)], done, {})
    assert cell["status"] == "skipped"


def test_a_malformed_stored_condition_errors_its_cell_and_runs_nothing() -> None:
    # Stored before conditions were checked at create: evaluating it must not break the chunk.
    cells = run(
        [guided("first", {"op": "gt", "left": 1}), reads_input("second")], {}, {"first_": 1}
    )
    assert [(cell["status"], cell["error_type"]) for cell in cells] == [
        ("errored", "InvalidConfiguration"),
        ("errored", "UpstreamTaskError"),
    ]
    assert cells[0]["error_message"] == "run_condition.right: field required"
    assert cells[0]["attempts"] == 0


class Raises(TaskType):
    """A task type whose code breaks on every item with `error`."""

    name = "test.raises"
    default_alias = "raises"

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        raise self.error


def raises(alias: str) -> dict[str, Any]:
    return {"task_type": Raises.name, "alias": alias, "configuration": {}}


def test_an_unexpected_error_in_a_task_is_its_cells_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    error = AttributeError("'str' object has no attribute 'get'")
    monkeypatch.setitem(REGISTRY, Raises.name, Raises(error))

    with caplog.at_level(logging.ERROR, logger="yardstick.execution.runner"):
        cells = run([raises("first"), reads_input("second"), guided("third", NEVER)], {}, {})

    assert [(cell["status"], cell["error_type"]) for cell in cells] == [
        ("errored", "InternalError"),
        ("errored", "UpstreamTaskError"),  # the item's later tasks still run
        ("skipped", None),
    ]
    assert cells[0]["error_message"] == (
        "unexpected error in the task: AttributeError: 'str' object has no attribute 'get'"
    )
    [record] = caplog.records
    assert "'first' failed unexpectedly on item it of evaluation ev" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[1] is error


@pytest.mark.parametrize("error", [ShuttingDown(), asyncio.CancelledError()])
def test_shutting_down_and_cancellation_still_end_the_item(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    monkeypatch.setitem(REGISTRY, Raises.name, Raises(error))

    with pytest.raises(type(error)):
        run([raises("first")], {}, {})
