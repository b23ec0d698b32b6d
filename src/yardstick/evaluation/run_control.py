"""Changing a run after create: add or change a task, retry failed cells, cancel.

Each change works on cells. Adding or changing a task deletes the cells it makes stale (its own
alias and every alias that reads it, see `yardstick.task.dependencies`); a retry deletes the
errored cells of some aliases and the cells that read them on the same items. Then, when an
executable task has cells to compute, the evaluation becomes `running` with the next run
number and that run's chunks are enqueued over every item, all in the request's transaction.
Chunks compute only missing cells, so nothing still valid is computed again: a metric added to
a finished evaluation calls no model. Older runs' chunks stop at their next write.

Cancel marks a running evaluation `failed` with a reason; its chunks stop at their next write
(calls in flight finish, their results are dropped) and a later retry resumes what is left.

Deleted cells were paid for: the evaluation keeps what they used (`replaced_*`), which its
`usage` and its budget count. A change never starts a run whose budget is spent already.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from yardstick.annotation import queues
from yardstick.auth.service import Principal
from yardstick.db.types import utcnow
from yardstick.errors import Conflict, NotFound, Unprocessable
from yardstick.evaluation.prefill import prefilled_cells
from yardstick.evaluation.repository import evaluation_repository
from yardstick.evaluation.results_version import results_changed
from yardstick.evaluation.service import evaluation_service
from yardstick.execution.cells import spent
from yardstick.execution.enqueue import enqueue_run
from yardstick.models import Evaluation, EvaluationItem, TaskResult
from yardstick.ops.runs import run_cancelled
from yardstick.task.dependencies import later_aliases_read, reads, stale_aliases
from yardstick.task.spec import (
    TaskIn,
    check_task_count,
    is_executable,
    normalize_task,
    validate_configuration,
)

# Tasks that cannot run here are refused when added later (at create they are stored and fail
# per cell, as SGP does, so that an evaluation made elsewhere can be copied whole).
NOT_ADDABLE = frozenset({"agentex_output", "application_variant"})
# Input columns are read from this many rows to validate a new task's field references.
COLUMN_SAMPLE = 1000
CANCELLED = "cancelled by the user"


class RunControlService:
    def add_task(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        *,
        task: TaskIn,
        max_cost_usd: float | None = None,
    ) -> Evaluation:
        evaluation = self._changeable(session, principal, evaluation_id, max_cost_usd)
        if task.task_type in NOT_ADDABLE:
            raise Unprocessable(
                ["body", "task", "task_type"],
                f"{task.task_type} tasks cannot be added to an evaluation: Yardstick cannot run them",
            )
        tasks = list(evaluation.tasks)
        check_task_count(len(tasks) + 1, ["body", "task"])
        input_keys = self._input_keys(session, evaluation_id)
        new = normalize_task(
            task,
            ["body", "task"],
            input_keys=input_keys,
            earlier=[t["alias"] for t in tasks],
            ctx=evaluation_service.validation_context(session, principal),
        )
        tasks.append(new)
        loc: list[str | int] = ["body", "task", "configuration"]
        self._check_order(tasks, loc)
        self._check_known(new, input_keys.union(t["alias"] for t in tasks), loc)
        queues.check_reviewers(tasks, evaluation_id, lambda _: ["body", "task"])
        self._change_tasks(session, evaluation, tasks, stale_aliases(tasks, [new["alias"]]))
        return evaluation

    def update_task(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        alias: str,
        *,
        configuration: dict[str, Any],
        max_cost_usd: float | None = None,
    ) -> Evaluation:
        """Replace one task's configuration (its type and alias stay)."""
        evaluation = self._changeable(session, principal, evaluation_id, max_cost_usd)
        tasks = [dict(t) for t in evaluation.tasks]
        position = next((i for i, t in enumerate(tasks) if t["alias"] == alias), None)
        if position is None:
            raise NotFound("task", alias)
        earlier = [t["alias"] for t in tasks[:position]]
        input_keys = self._input_keys(session, evaluation_id)
        configuration = validate_configuration(
            tasks[position]["task_type"],
            configuration,
            ["body", "configuration"],
            columns=input_keys.union(earlier),
            ctx=evaluation_service.validation_context(session, principal),
        )
        tasks[position] = {**tasks[position], "configuration": configuration}
        self._check_order(tasks, ["body", "configuration"])
        self._check_known(
            tasks[position], input_keys.union(t["alias"] for t in tasks), ["body", "configuration"]
        )
        queues.check_reviewers(tasks, evaluation_id, lambda _: ["body"])
        self._change_tasks(session, evaluation, tasks, stale_aliases(tasks, [alias]))
        return evaluation

    def retry(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        *,
        aliases: list[str] | None,
        max_cost_usd: float | None = None,
    ) -> Evaluation:
        """Compute again the errored cells (of `aliases`, or of every task) and the cells that
        read them on the same items, and whatever a cancel left pending."""
        evaluation = self._changeable(session, principal, evaluation_id, max_cost_usd)
        tasks = evaluation.tasks
        executable = [t["alias"] for t in tasks if is_executable(t)]
        for index, alias in enumerate(aliases or []):
            if alias not in {t["alias"] for t in tasks}:
                raise NotFound("task", alias)
            if alias not in executable:
                raise Unprocessable(
                    ["body", "aliases", index], f"task {alias!r} is not run by Yardstick"
                )
        retried = aliases if aliases is not None else executable
        unstopped = self._unstop(evaluation, stale_aliases(tasks, retried))
        replaced = 0
        for alias in retried:
            failed_items = select(TaskResult.item_id).where(
                TaskResult.evaluation_id == evaluation_id,
                TaskResult.alias == alias,
                TaskResult.status == "errored",
            )
            # Only what the engine computes: a contributor task's cells are people's answers
            # (prefilled or reviewed), which no run can give back.
            computed = [a for a in stale_aliases(tasks, [alias]) if a in executable]
            replaced += self._replace_cells(
                session,
                evaluation,
                and_(
                    TaskResult.alias.in_(computed),
                    TaskResult.item_id.in_(failed_items.scalar_subquery()),
                ),
            )
        if evaluation.status in ("running", "completed") and not replaced and not unstopped:
            # Nothing to compute that the running run will not: a second retry (a double
            # click, a client sending again) would supersede it and pay again for its calls
            # in flight. A completed run holds every cell: a run for none made it `running`,
            # and a cancel in that moment left a finished evaluation `failed`.
            evaluation.updated_at = utcnow()
            session.flush()
            return evaluation
        if replaced:
            results_changed(session, [evaluation_id])
        self._start_run(session, evaluation)
        return evaluation

    def cancel(self, session: Session, principal: Principal, evaluation_id: str) -> Evaluation:
        evaluation = self._changeable(session, principal, evaluation_id)
        if evaluation.status == "running":
            evaluation.status = "failed"
            evaluation.status_reason = CANCELLED
            evaluation.updated_at = utcnow()
            session.flush()
            run_cancelled(session, evaluation, key_id=principal.user_id)
        return evaluation

    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _changeable(
        session: Session,
        principal: Principal,
        evaluation_id: str,
        max_cost_usd: float | None = None,
    ) -> Evaluation:
        """The evaluation, locked against concurrent changes; an archived one is a 409.

        A `max_cost_usd` given with the change replaces the evaluation's budget."""
        evaluation = session.scalar(
            select(Evaluation)
            .where(Evaluation.id == evaluation_id, Evaluation.account_id == principal.account_id)
            .with_for_update()
        )
        if evaluation is None:
            raise NotFound("evaluation", evaluation_id)
        if evaluation.archived_at is not None:
            raise Conflict(f"evaluation {evaluation_id!r} is archived: restore it first")
        if max_cost_usd is not None:
            cost = spent(session, evaluation_id)
            if max_cost_usd <= cost:
                raise Unprocessable(
                    ["body", "max_cost_usd"],
                    f"must be more than the ${cost:.4f} the evaluation's cells cost already",
                )
            evaluation.max_cost_usd = max_cost_usd
        return evaluation

    @staticmethod
    def _unstop(evaluation: Evaluation, aliases: list[str]) -> bool:
        """Tasks about to run again are no longer stopped by fail fast; whether any was."""
        stops = evaluation.task_stops or {}
        if not any(alias in stops for alias in aliases):
            return False
        evaluation.task_stops = {a: why for a, why in stops.items() if a not in aliases}
        return True

    @staticmethod
    def _replace_cells(session: Session, evaluation: Evaluation, where: ColumnElement[bool]) -> int:
        """Delete the evaluation's cells `where` selects, to be computed again; how many. What
        they used stays counted on the evaluation: their calls were paid for."""
        mine = and_(TaskResult.evaluation_id == evaluation.id, where)
        count, prompt, completion, cost = session.execute(
            select(
                func.count(),
                func.sum(TaskResult.prompt_tokens),
                func.sum(TaskResult.completion_tokens),
                func.sum(TaskResult.cost_usd),
            ).where(mine)
        ).one()
        if not count:
            return 0
        evaluation.replaced_prompt_tokens += int(prompt or 0)
        evaluation.replaced_completion_tokens += int(completion or 0)
        evaluation.replaced_cost_usd += float(cost or 0.0)
        session.execute(delete(TaskResult).where(mine).execution_options(synchronize_session=False))
        return int(count)

    @staticmethod
    def _input_keys(session: Session, evaluation_id: str) -> set[str]:
        keys: set[str] = set()
        rows = session.scalars(
            select(EvaluationItem.data)
            .where(EvaluationItem.evaluation_id == evaluation_id)
            .order_by(EvaluationItem.id)
            .limit(COLUMN_SAMPLE)
        )
        for text in rows:
            data = orjson.loads(text)
            if isinstance(data, dict):
                keys.update(data)
        return keys

    @staticmethod
    def _check_order(tasks: list[dict[str, Any]], loc: list[str | int]) -> None:
        found = later_aliases_read(tasks)
        if found is not None:
            index, alias = found
            raise Unprocessable(
                loc,
                f"task {tasks[index]['alias']!r} reads {alias!r}, which is not computed before "
                "it: a task may read input fields and the aliases of earlier tasks only",
            )

    @staticmethod
    def _check_known(task: dict[str, Any], known: set[str], loc: list[str | int]) -> None:
        """A changed task reads only input fields (of the rows sampled) and task aliases.

        Custom functions check their parameters themselves (a parameter with a default may
        name a field no row has)."""
        if task["task_type"] == "custom_function":
            return
        unknown = sorted(reads(task) - known)
        if unknown:
            raise Unprocessable(
                loc, f"reads {unknown[0]!r}, which is neither an input field nor a task alias"
            )

    def _change_tasks(
        self,
        session: Session,
        evaluation: Evaluation,
        tasks: list[dict[str, Any]],
        stale: list[str],
    ) -> None:
        """Store the evaluation's new tasks and recompute what they made stale. When that
        touches a contributor task, the annotation queues are made again, which is refused
        (409) once people have started on them: their answers would be lost or answer another
        question."""
        rebuild = any(queues.is_contributor(t) for t in tasks if t["alias"] in stale)
        now = utcnow()
        if rebuild:
            queues.clear(session, evaluation.id, now)
        evaluation.tasks = tasks
        self._recompute(session, evaluation, stale)
        if rebuild:
            item_ids = evaluation_repository.item_ids(session, evaluation.id)
            queues.create_tasks(session, evaluation, item_ids, now)

    def _recompute(self, session: Session, evaluation: Evaluation, stale: list[str]) -> None:
        """Drop the stale cells, refill prefilled answers, and run what became missing."""
        self._unstop(evaluation, stale)
        self._replace_cells(session, evaluation, TaskResult.alias.in_(stale))
        results_changed(session, [evaluation.id])
        prefilled_cells(
            session,
            evaluation_id=evaluation.id,
            tasks=[t for t in evaluation.tasks if t["alias"] in stale],
            items=list(
                session.execute(
                    select(EvaluationItem.id, EvaluationItem.data).where(
                        EvaluationItem.evaluation_id == evaluation.id
                    )
                ).tuples()
            )
            if any(
                "prefill_from" in t["configuration"]
                for t in evaluation.tasks
                if t["alias"] in stale
            )
            else [],
            now=utcnow(),
        )
        if any(is_executable(t) for t in evaluation.tasks if t["alias"] in stale):
            self._start_run(session, evaluation)
        else:
            evaluation.updated_at = utcnow()
            session.flush()

    @staticmethod
    def _start_run(session: Session, evaluation: Evaluation) -> None:
        """Make the evaluation `running` under the next run number and enqueue that run; a
        409 when its cells have cost its budget already (the run would stop at its first
        priced cell, having paid for a call per result slot)."""
        if evaluation.item_count == 0 or not any(is_executable(t) for t in evaluation.tasks):
            return
        budget = evaluation.max_cost_usd
        if budget is not None and (cost := spent(session, evaluation.id)) >= budget:
            raise Conflict(
                f"the evaluation's cells cost ${cost:.4f}, reaching its max_cost_usd "
                f"${budget:g}: send a larger max_cost_usd to run it again"
            )
        evaluation.run_number += 1
        evaluation.status = "running"
        # Tasks still stopped (not retried) keep the run from succeeding; say so from the start.
        evaluation.status_reason = "; ".join((evaluation.task_stops or {}).values()) or None
        evaluation.updated_at = utcnow()
        session.flush()
        item_ids = evaluation_repository.item_ids(session, evaluation.id)
        enqueue_run(
            session, evaluation_id=evaluation.id, item_ids=item_ids, run=evaluation.run_number
        )


run_control_service = RunControlService()
