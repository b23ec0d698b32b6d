"""The chunk workflow: run every cell of a slice of an evaluation's items."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

import orjson
from sqlalchemy import select

from yardstick.config import get_settings
from yardstick.db.retry import retrying, retrying_until_back
from yardstick.db.session import SessionFactory
from yardstick.db.types import utcnow
from yardstick.errors import Unprocessable
from yardstick.execution import cells
from yardstick.execution.cells import DoneCell, cell_row
from yardstick.execution.drain import Drain, ShuttingDown
from yardstick.execution.engine import RUN_CHUNK, chunk_lease, step, workflow
from yardstick.execution.fail_fast import STOPPED, FailFast, signature
from yardstick.execution.slots import VendorSlots, held
from yardstick.execution.storable import UNSTORABLE, unstorable
from yardstick.execution.wake import wake
from yardstick.execution.writer import CellWriter, ChunkTaken
from yardstick.inference_model.service import resolve_registered_model
from yardstick.models import Evaluation, EvaluationItem
from yardstick.models.task_result import CellRow
from yardstick.ops.logs import log_event
from yardstick.ops.runs import run_finished
from yardstick.provider import ModelRoute, ProviderError, Providers, get_providers, wants_registered
from yardstick.provider.prices import Price
from yardstick.provider.wanted import wanted_while
from yardstick.question.repository import question_repository
from yardstick.span.calls import CallRecord, recording
from yardstick.span.run_traces import TracedCell
from yardstick.task import run_condition
from yardstick.task.context import ExecContext, ItemView, TaskFailure
from yardstick.task.locator import LocatorError, UpstreamError, resolve_config
from yardstick.task.registry import REGISTRY
from yardstick.task.spec import Task, is_executable

log = logging.getLogger(__name__)
_sessions: SessionFactory | None = None
# Per vendor: its calls at once, and its calls plus results not yet durable, which bounds what a
# crash can make us repeat (yardstick.execution.slots).
_slots: dict[str, VendorSlots] = {}
_fail_fast: FailFast | None = None
_drain = Drain()  # the running worker's (see `bind`)
_on_finished: Callable[[str], None] | None = None
# The error type of a cell whose task raised something no task should (see `_run_cell`).
INTERNAL_ERROR = "InternalError"
MAX_INTERNAL_MESSAGE = 1000


def _vendor_slots(ctx: ExecContext, task: Task) -> VendorSlots | None:
    """The slots of the vendor `task` calls; None for a task that calls no model."""
    route = ctx.routes.get(REGISTRY[task["task_type"]].model_for(task["configuration"]) or "")
    if not isinstance(route, ModelRoute):
        return None
    slots = _slots.get(route.vendor)
    if slots is None:
        slots = _slots[route.vendor] = VendorSlots(ctx.providers.vendors[route.vendor].concurrency)
    return slots


def bind(
    sessions: SessionFactory, drain: Drain, on_finished: Callable[[str], None] | None = None
) -> None:
    """Give the workflows of this process their database, the worker's drain, and what to call
    (with the evaluation id) when a run of this process completes (called at worker start)."""
    global _sessions, _drain, _on_finished
    _sessions, _drain, _on_finished = sessions, drain, on_finished


def _db() -> SessionFactory:
    assert _sessions is not None, "execution.runner.bind() was not called in this process"
    return _sessions


def _failures() -> FailFast:
    global _fail_fast
    if _fail_fast is None:
        _fail_fast = FailFast(get_settings().fail_fast_after)
    return _fail_fast


@dataclass
class Plan:
    evaluation_id: str
    run: int
    tasks: list[Task]
    items: list[tuple[str, str]]
    done: dict[tuple[str, str], DoneCell]
    ctx: ExecContext
    executable_tasks: int = field(default=0)
    trace: bool = True  # record the cells' model calls as spans (span.run_traces)
    # Tasks fail fast stopped when the chunk started, alias → why.
    task_stops: dict[str, str] = field(default_factory=dict)
    # Each task's model price, alias → price (None: unpriced), as `_cost` first needs it.
    prices: dict[str, Price | None] = field(default_factory=dict)

    def stop_reason(self, alias: str, writer: CellWriter) -> str | None:
        """Why `alias` must not run any more on this run, or None: stopped here, by another
        chunk of this process, or (seen at a write) by another worker."""
        return (
            self.task_stops.get(alias)
            or writer.task_stops.get(alias)
            or _failures().stopped((self.evaluation_id, self.run, alias))
        )


def _load_plan(
    evaluation_id: str, first_item_id: str, last_item_id: str, run: int, providers: Providers
) -> Plan | None:
    with _db().read() as session:
        if cells.is_stopped(session, evaluation_id, run):
            return None
        evaluation = session.get(Evaluation, evaluation_id)
        assert evaluation is not None
        items = [
            (item_id, data)
            for item_id, data in session.execute(
                select(EvaluationItem.id, EvaluationItem.data)
                .where(
                    EvaluationItem.evaluation_id == evaluation_id,
                    EvaluationItem.id.between(first_item_id, last_item_id),
                )
                .order_by(EvaluationItem.id)
            )
        ]
        done = cells.done_cells(
            session,
            evaluation_id=evaluation_id,
            first_item_id=first_item_id,
            last_item_id=last_item_id,
        )
        ctx = ExecContext(providers=providers, account_id=evaluation.account_id)
        for task in evaluation.tasks:
            model = REGISTRY[task["task_type"]].model_for(task["configuration"])
            if model is not None and model not in ctx.routes:
                registered = (
                    resolve_registered_model(session, evaluation.account_id, model)
                    if wants_registered(model)
                    else None
                )
                try:
                    ctx.routes[model] = providers.route(
                        model, registered, account_id=evaluation.account_id
                    )
                except ProviderError as exc:
                    ctx.routes[model] = exc
            question_id = task["configuration"].get("question_id")
            if (
                is_executable(task)
                and isinstance(question_id, str)
                and question_id not in ctx.questions
            ):
                question = question_repository.get(
                    session, account_id=evaluation.account_id, row_id=question_id
                )
                if question is not None:  # else the cell says QuestionNotFound
                    ctx.questions[question_id] = {
                        "name": question.name,
                        "prompt": question.prompt,
                        "question_type": question.question_type,
                        "configuration": question.configuration,
                    }
        return Plan(
            evaluation_id=evaluation_id,
            run=run,
            task_stops=dict(evaluation.task_stops or {}),
            tasks=cast(list[Task], evaluation.tasks),  # validated at create (task.spec)
            items=items,
            done=done,
            ctx=ctx,
            executable_tasks=sum(1 for task in evaluation.tasks if is_executable(task)),
            trace=get_settings().trace_runs,
        )


async def _run_item(plan: Plan, item_id: str, data: str, writer: CellWriter) -> None:
    row = orjson.loads(data)
    if not isinstance(row, dict):
        row = {}
    inputs = tuple(row)
    failed: set[str] = set()
    item_started: datetime | None = None  # of this chunk's first run cell of the item
    for task in plan.tasks:
        alias = task["alias"]
        done = plan.done.get((item_id, alias))
        if done is not None:
            if done.status in ("completed", "skipped", "prefilled"):
                # A skipped task reads as null (not as a failure), a prefilled one as its answer.
                row[alias] = done.value
            else:
                failed.add(alias)
            continue
        if not is_executable(task):
            continue
        try:
            runs = _should_run(task, row)
        except Unprocessable as exc:
            # Only a condition stored before conditions were checked at create gets here.
            (problem,) = exc.detail
            if writer.stopped:
                return
            await writer.add(
                _unrun_cell(
                    plan,
                    item_id,
                    alias,
                    status="errored",
                    error_type="InvalidConfiguration",
                    error_message=f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}",
                )
            )
            failed.add(alias)
            continue
        if not runs:
            if writer.stopped:
                return
            await writer.add(_unrun_cell(plan, item_id, alias, status="skipped"))
            row[alias] = None
            continue
        async with held(_vendor_slots(plan.ctx, task)) as slots:
            if writer.stopped or _drain.stopping:
                return
            reason = plan.stop_reason(alias, writer)
            traced: TracedCell | None = None
            if reason is not None:
                cell = _unrun_cell(
                    plan, item_id, alias, status="errored", error_type=STOPPED, error_message=reason
                )
            else:
                item_started = item_started or utcnow()
                # A call waiting to retry gives up once the run stops: its cell is not stored.
                with wanted_while(lambda: not writer.stopped):
                    cell, failure, calls = await _run_cell(plan, item_id, task, row, inputs, failed)
                if writer.stopped:
                    # Nothing more is stored, and a call given up (CallAbandoned) is no
                    # failure of the task's for fail fast: a chunk taken over is still run.
                    return
                await _count_for_fail_fast(plan, alias, cell, failure)
                slots.call_returned()  # counted first: no call starts that fail fast would stop
                if calls:
                    # The calls, queued with the cell for its item's trace; the item's root
                    # span spans its cells so far.
                    traced = TracedCell(
                        evaluation_id=plan.evaluation_id,
                        item_id=item_id,
                        alias=alias,
                        run=plan.run,
                        item_started_at=item_started,
                        finished_at=cell["finished_at"] or utcnow(),
                        calls=calls,
                    )
            await writer.add(cell, traced)
        if cell["status"] == "completed":
            row[alias] = cell["value"]
        else:
            failed.add(alias)


async def _count_for_fail_fast(
    plan: Plan, alias: str, cell: CellRow, failure: tuple[str, str] | None
) -> None:
    key = (plan.evaluation_id, plan.run, alias)
    reason = _failures().observe(key, failure, ok=cell["status"] == "completed")
    if reason is not None:
        log_event(
            "task.stopped",
            logging.WARNING,
            evaluation_id=plan.evaluation_id,
            account_id=plan.ctx.account_id,
            run=plan.run,
            alias=alias,
            reason=reason,
        )
        await retrying("stopping a task", _stop_task, plan.evaluation_id, plan.run, alias, reason)


def _stop_task(evaluation_id: str, run: int, alias: str, reason: str) -> None:
    with _db().write() as session, session.begin():
        cells.stop_task(session, evaluation_id, run, alias, reason)


def _should_run(task: Task, row: dict[str, Any]) -> bool:
    """A conditional task's `run_condition` on this item, evaluated before any model call.

    Checked again first (it is small): evaluating assumes a well-formed tree, and a condition
    stored before conditions were validated need not be one. Raises Unprocessable then.
    """
    condition = task["configuration"].get("run_condition")
    if condition is None or not REGISTRY[task["task_type"]].conditional:
        return True
    run_condition.validate(condition, ["run_condition"])
    return run_condition.holds(condition, row)


def _unrun_cell(plan: Plan, item_id: str, alias: str, **fields: Any) -> CellRow:
    """A cell decided without running its task: no attempt was made."""
    return cell_row(
        evaluation_id=plan.evaluation_id,
        item_id=item_id,
        alias=alias,
        started_at=utcnow(),
        attempts=0,
        **fields,
    )


async def _run_cell(
    plan: Plan,
    item_id: str,
    task: Task,
    row: dict[str, Any],
    inputs: tuple[str, ...],
    failed: set[str],
) -> tuple[CellRow, tuple[str, str] | None, list[CallRecord]]:
    """`_execute_cell`, and when the run is traced the model calls the cell made (each to be
    a span of the item's trace); the cell's `task_metadata` then names its trace (the item's
    id)."""
    if not plan.trace:
        return (*await _execute_cell(plan, item_id, task, row, inputs, failed), [])
    with recording() as log:
        cell, failure = await _execute_cell(plan, item_id, task, row, inputs, failed)
    if log.calls:
        cell["details"] = {**(cell["details"] or {}), "trace_id": item_id}
    return cell, failure, log.calls


async def _execute_cell(
    plan: Plan,
    item_id: str,
    task: Task,
    row: dict[str, Any],
    inputs: tuple[str, ...],
    failed: set[str],
) -> tuple[CellRow, tuple[str, str] | None]:
    """One task on one item, as the cell row to store (errors become errored cells), and the
    error when it is one that every item would hit alike (see fail_fast.signature)."""
    started = utcnow()
    common: dict[str, Any] = {
        "evaluation_id": plan.evaluation_id,
        "item_id": item_id,
        "alias": task["alias"],
        "started_at": started,
    }
    ctx = plan.ctx.for_item(ItemView(row=row, inputs=inputs, failed=frozenset(failed)))
    try:
        config = resolve_config(task["configuration"], row, failed)
        output = await REGISTRY[task["task_type"]].execute(config, ctx)
    except (LocatorError, UpstreamError) as exc:
        cell = cell_row(**common, status="errored", error_type=exc.type, error_message=str(exc))
        return cell, signature(exc)
    except TaskFailure as exc:
        cell = cell_row(
            **common,
            status="errored",
            error_type=exc.type,
            error_message=exc.message,
            attempts=exc.attempts,
            # What the failure kept (a judge's replies) is dropped if it cannot be stored.
            details=None if unstorable(exc.details) else exc.details,
            prompt_tokens=exc.prompt_tokens,
            completion_tokens=exc.completion_tokens,
            cost_usd=_cost(plan, task, exc.prompt_tokens, exc.completion_tokens),
        )
        return cell, signature(exc)
    except Exception as exc:
        # A bug of ours met on this item (task code meeting data it did not expect): the
        # cell's error, logged with its traceback, never the whole run's. ShuttingDown and
        # CancelledError are BaseExceptions and pass on, as the drain needs.
        log.exception(
            "task %r failed unexpectedly on item %s of evaluation %s",
            task["alias"],
            item_id,
            plan.evaluation_id,
        )
        message = f"unexpected error in the task: {type(exc).__name__}: {exc}"
        cell = cell_row(
            **common,
            status="errored",
            error_type=INTERNAL_ERROR,
            error_message=message[:MAX_INTERNAL_MESSAGE],
        )
        return cell, None
    # What the cell's calls took and cost, kept whether its result can be stored or not.
    spent: dict[str, Any] = {
        "latency_ms": output.latency_ms,
        "prompt_tokens": output.prompt_tokens,
        "completion_tokens": output.completion_tokens,
        "attempts": output.attempts,
        "cost_usd": _cost(plan, task, output.prompt_tokens, output.completion_tokens),
    }
    problem = unstorable(output.value) or unstorable(output.details)
    if problem is not None:
        message = f"the task's result cannot be stored: {problem}"
        cell = cell_row(
            **common, status="errored", error_type=UNSTORABLE, error_message=message, **spent
        )
        return cell, None
    cell = cell_row(
        **common, status="completed", value=output.value, details=output.details, **spent
    )
    return cell, None


def _cost(
    plan: Plan, task: Task, prompt_tokens: int | None, completion_tokens: int | None
) -> float | None:
    """The cell's model calls in USD, at its model's price; None when unpriced or no call."""
    if prompt_tokens is None and completion_tokens is None:
        return None
    alias = task["alias"]
    if alias not in plan.prices:  # looked up once per chunk: an unpriced model scans the table
        route = plan.ctx.routes.get(
            REGISTRY[task["task_type"]].model_for(task["configuration"]) or ""
        )
        price = plan.ctx.providers.price(route) if isinstance(route, ModelRoute) else None
        plan.prices[alias] = price
    price = plan.prices[alias]
    return None if price is None else price.cost(prompt_tokens, completion_tokens)


async def run_chunk_cells(
    evaluation_id: str, first_item_id: str, last_item_id: str, run: int = 1
) -> bool:
    """Run every unfinished cell of the chunk; False when run `run` had already stopped.

    Raises ShuttingDown when the worker is stopping (see `drain`): the cells that finished are
    committed, and the chunk runs again on the next start. Raises ChunkTaken when another
    worker took the chunk over (see `writer`): this one wrote nothing since.
    """
    drain = _drain
    if drain.stopping:  # dequeued just as the drain began
        raise ShuttingDown
    plan = await retrying(
        "loading a chunk",
        _load_plan,
        evaluation_id,
        first_item_id,
        last_item_id,
        run,
        get_providers(),
    )
    if plan is None:
        return False
    lease = chunk_lease()
    async with CellWriter(
        _db(), evaluation_id, run, account_id=plan.ctx.account_id, lease=lease
    ) as writer:
        await drain.items(
            asyncio.gather(
                *(_run_item(plan, item_id, data, writer) for item_id, data in plan.items)
            )
        )
    if writer.taken:
        assert lease is not None
        log_event(
            "chunk.taken_over",
            logging.WARNING,
            evaluation_id=evaluation_id,
            run=run,
            chunk=lease.workflow_id,
        )
        raise ChunkTaken
    if drain.stopping:  # some cells may not have run
        raise ShuttingDown
    return plan.executable_tasks > 0


def _complete_if_done(evaluation_id: str, run: int) -> bool:
    # Counted first in a read: most chunks end before their run does, and on SQLite a count in
    # the write transaction would hold every other chunk's cell writes back while it reads.
    with _db().read() as session:
        if not cells.all_terminal(session, evaluation_id, run):
            return False
    with _db().write() as session, session.begin():
        return cells.complete_if_done(session, evaluation_id, run)


# How a chunk's step ended: its run had stopped; its cells are done but other chunks' are not;
# or it completed the run.
ChunkEnd = Literal["stopped", "open", "finished"]


@step("evaluations.execute_chunk")
async def execute_chunk(
    evaluation_id: str, first_item_id: str, last_item_id: str, run: int
) -> ChunkEnd:
    """Run the chunk's cells, then, in the same step, complete the run if they were its last.
    A step of its own for the completion cost a checkpoint read and write (~5 ms, a twentieth
    of a small run) before the run showed `completed`; both are idempotent, so a step run
    again after a crash does no harm."""
    if not await run_chunk_cells(evaluation_id, first_item_id, last_item_id, run):
        return "stopped"
    wake()  # the slot this chunk frees is refilled before the completion's count
    return "finished" if await _finish(evaluation_id, run) else "open"


async def _finish(evaluation_id: str, run: int) -> bool:
    done = await retrying("completing a run", _complete_if_done, evaluation_id, run)
    if done:  # committed, and by this chunk only: one `run.finished` line per run
        await retrying("logging a run's end", run_finished, _db(), evaluation_id, run)
        if _on_finished is not None:
            _on_finished(evaluation_id)
    return done


@step("evaluations.complete_if_done")
async def finish(evaluation_id: str, run: int) -> bool:
    """The completion as a step of its own, for chunks recorded before `execute_chunk` took
    it over (their recorded `execute_chunk` answered True), recovered after an upgrade."""
    return await _finish(evaluation_id, run)


def _fail(evaluation_id: str, run: int, reason: str) -> None:
    with _db().write() as session, session.begin():
        failed_here = cells.fail(session, evaluation_id, reason, run=run)
    if failed_here:
        log_event(
            "run.failed", logging.ERROR, evaluation_id=evaluation_id, run=run, status_reason=reason
        )


@step("evaluations.fail")
async def fail(evaluation_id: str, run: int, reason: str) -> None:
    # Often the reason is an outage that outlasted the retry budget: this waits it out, so
    # the run ends `failed` once the database is back, never stays `running` for good.
    await retrying_until_back("failing a run", _fail, evaluation_id, run, reason)


@workflow(RUN_CHUNK)
async def run_chunk(
    evaluation_id: str, first_item_id: str, last_item_id: str, run: int = 1
) -> None:
    """One chunk of run `run` (1 for the create's; later ones come from task changes and
    retries). Its workflow id names the run, so each run's chunks are enqueued anew."""
    # The queue is polled at its busy pace while chunks start and end here (wake.py): the slot
    # this chunk frees is refilled at once.
    wake()
    try:
        ended: ChunkEnd | bool = await execute_chunk(
            evaluation_id, first_item_id, last_item_id, run
        )
    # Per-cell errors never get here: this is the run itself breaking. ShuttingDown is no
    # Exception: the workflow ends unrecorded and runs again.
    except Exception as exc:
        log.exception("chunk of evaluation %s failed", evaluation_id)
        await fail(evaluation_id, run, f"the run could not proceed: {type(exc).__name__}: {exc}")
        return
    finally:
        wake()
    if ended is True:  # recorded by a version that completed runs in a step of their own
        await finish(evaluation_id, run)
