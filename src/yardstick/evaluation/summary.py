"""Evaluation summaries (`GET /v5/evaluations/{id}/summary`, `yardstick evaluations watch`).

Per alias: cell counts by status, errors by type, the distribution of numeric results, the
tally of categorical ones, latency percentiles, tokens and cost. Everything is computed by the
database (summary_queries.py) from narrow indexes of the cells; Python only assembles a few
rows, so a 1,000,000-item evaluation costs a few index scans, not a read of its cells.

What is which:
- numeric = JSON numbers (booleans are categorical, not 0/1);
- categorical = short strings (JSON text of at most LABEL_MAX_CHARS) and booleans, except for
  task types whose results are free text (chat completions, inference, application variants,
  agentex outputs), which would tally every answer once; longer strings, objects and arrays
  are counted in `cells` only;
- pending = the items minus the alias's stored cells (a cell row is written when a task
  finishes; a missing row is pending).
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yardstick import stats
from yardstick.auth.service import Principal
from yardstick.evaluation import summary_queries as q
from yardstick.evaluation.consistency import Consistency, consistency
from yardstick.evaluation.kept import Kept, kept
from yardstick.evaluation.service import evaluation_service
from yardstick.models import Evaluation

T = TypeVar("T")
TOP_VALUES = 50
FREE_TEXT_TASKS = frozenset(
    {"chat_completion", "inference", "application_variant", "agentex_output"}
)
STATUSES = ("completed", "errored", "pending", "skipped", "prefilled")


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: float
    std: float | None
    min: float
    p50: float
    p90: float
    max: float
    ci95: tuple[float, float] | None


@dataclass(frozen=True)
class Category:
    value: Any  # a string or a boolean
    count: int
    share: float


@dataclass(frozen=True)
class Categories:
    count: int  # tallied cells
    distinct: int
    values: list[Category]
    other: int  # cells whose value is beyond the top TOP_VALUES


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p90: float
    p99: float


@dataclass
class AliasSummary:
    alias: str
    task_type: str | None
    cells: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    errors: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    numeric: Distribution | None = None
    categorical: Categories | None = None
    latency_ms: Latency | None = None
    consistency: Consistency | None = None  # with `repeats` > 1 (see consistency.py)


@dataclass(frozen=True)
class EvaluationSummary:
    evaluation_id: str
    items: int
    aliases: list[AliasSummary]


class EvaluationSummaryService:
    def get(
        self, session: Session, principal: Principal, evaluation_id: str, *, include_archived: bool
    ) -> dict[str, Any]:
        """The summary's JSON: kept while the evaluation's cells are unchanged (kept.py)."""
        evaluation = evaluation_service.get(
            session, principal, evaluation_id, include_archived=include_archived
        )
        return self.document(session, evaluation).value  # type: ignore[no-any-return]

    def document(self, session: Session, evaluation: Evaluation, *, stale_ok: bool = False) -> Kept:
        """`summary_json` of the evaluation, kept (a stale one only with `stale_ok`)."""
        return kept(
            session,
            evaluation,
            "summary",
            lambda: summary_json(self.summarize(session, evaluation)),
            stale_ok=stale_ok,
        )

    def summarize(self, session: Session, evaluation: Evaluation) -> EvaluationSummary:
        """The summary of an evaluation already authorised.

        Its queries fall in two independent halves of about equal cost (the latency index;
        the others), so on a second connection the latency half runs beside the rest: SQLite
        and PostgreSQL both work one query per connection on one core. The halves may see
        snapshots a few milliseconds apart while a run is writing, as two requests would.
        """
        task_types = {task["alias"]: task.get("task_type") for task in evaluation.tasks}
        aliases = list(task_types)
        tallied = [alias for alias in aliases if task_types[alias] not in FREE_TEXT_TASKS]
        bind = session.get_bind()
        side: Future[_Timings] | None = None
        if isinstance(bind, Engine):
            side = _POOL.submit(
                _in_new_session, bind, lambda s: _timings(s, evaluation.id, aliases)
            )
        values = _values(session, evaluation.id, aliases, tallied)
        timings = side.result() if side is not None else _timings(session, evaluation.id, aliases)

        by_alias = {alias: AliasSummary(alias, kind) for alias, kind in task_types.items()}
        for row in values.counts:
            summary = by_alias.setdefault(row.alias, AliasSummary(row.alias, None))
            summary.cells[row.status] = summary.cells.get(row.status, 0) + row.cells
            if row.status == "errored":
                kind = row.error_type or "Error"
                summary.errors[kind] = summary.errors.get(kind, 0) + row.cells
        # Cells of an alias no task has (none are written today) are summed up all the same.
        extra = [alias for alias in by_alias if alias not in task_types]
        if extra:
            more = _values(session, evaluation.id, extra, extra, counts=values.counts)
            values.numbers.update(more.numbers)
            values.tallies.update(more.tallies)
            more_timings = _timings(session, evaluation.id, extra)
            timings.usage.update(more_timings.usage)
            timings.percentiles.update(more_timings.percentiles)

        for alias, summary in by_alias.items():
            # A stored `pending` row (none is written today) is pending as a missing one is.
            finished = sum(n for status, n in summary.cells.items() if status != "pending")
            summary.cells["pending"] = max(0, evaluation.item_count - finished)
            usage = timings.usage[alias]
            summary.prompt_tokens, summary.completion_tokens = (
                usage.prompt_tokens,
                usage.completion_tokens,
            )
            summary.cost_usd = usage.cost_usd
            if alias in timings.percentiles:
                cuts = timings.percentiles[alias]
                summary.latency_ms = Latency(usage.latencies, cuts[0.5], cuts[0.9], cuts[0.99])
            if alias in values.numbers:
                summary.numeric = _distribution(values.numbers[alias])
            if alias in values.tallies:
                summary.categorical = _categories(values.tallies[alias])
        for alias, found in consistency(session, evaluation).items():
            if alias in by_alias:
                by_alias[alias].consistency = found
        return EvaluationSummary(evaluation.id, evaluation.item_count, list(by_alias.values()))


# Threads for the second half of a summary (see `summarize`); they only wait on the database.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="summary")


@dataclass(frozen=True)
class _Timings:
    usage: dict[str, q.Timing]
    percentiles: dict[str, dict[float, float]]


@dataclass(frozen=True)
class _Values:
    counts: list[q.StatusCount]
    numbers: dict[str, q.NumberStats]
    tallies: dict[str, q.LabelTally]


def _timings(session: Session, evaluation_id: str, aliases: list[str]) -> _Timings:
    usage = {alias: q.timing(session, evaluation_id, alias) for alias in aliases}
    sizes = {alias: found.latencies for alias, found in usage.items() if found.latencies}
    return _Timings(usage, q.latency_percentiles(session, evaluation_id, sizes))


def _values(
    session: Session,
    evaluation_id: str,
    aliases: list[str],
    tallied: list[str],
    *,
    counts: list[q.StatusCount] | None = None,
) -> _Values:
    tallies = {}
    for alias in tallied:
        tally = q.label_tally(session, evaluation_id, alias, TOP_VALUES)
        if tally is not None:
            tallies[alias] = tally
    return _Values(
        counts=q.status_counts(session, evaluation_id) if counts is None else counts,
        numbers=q.number_stats(session, evaluation_id, aliases),
        tallies=tallies,
    )


def _in_new_session(engine: Engine, work: Callable[[Session], T]) -> T:
    with Session(engine) as session:
        return work(session)


def _distribution(found: q.NumberStats) -> Distribution:
    ci = None if found.std is None else stats.mean_ci95(found.count, found.mean, found.std)
    return Distribution(
        count=found.count,
        mean=found.mean,
        std=found.std,
        min=found.min,
        p50=found.percentiles[0.5],
        p90=found.percentiles[0.9],
        max=found.max,
        ci95=ci,
    )


def _categories(tally: q.LabelTally) -> Categories:
    shown = sum(entry.count for entry in tally.top)
    return Categories(
        count=tally.total,
        distinct=tally.distinct,
        values=[
            Category(orjson.loads(entry.label), entry.count, entry.count / tally.total)
            for entry in tally.top
        ],
        other=tally.total - shown,
    )


def summary_json(summary: EvaluationSummary) -> dict[str, Any]:
    return {
        "object": "evaluation_summary",
        "evaluation_id": summary.evaluation_id,
        "items": summary.items,
        "aliases": {alias.alias: _alias_json(alias) for alias in summary.aliases},
        "usage": _usage_json(summary.aliases),
    }


def _usage_json(aliases: list[AliasSummary]) -> dict[str, Any]:
    """The evaluation's totals; `cost_usd` is null when no cell had a priced model."""
    prompt = sum(a.prompt_tokens for a in aliases)
    completion = sum(a.completion_tokens for a in aliases)
    costs = [a.cost_usd for a in aliases if a.cost_usd is not None]
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cost_usd": sum(costs) if costs else None,
    }


def alias_from_json(alias: str, found: dict[str, Any]) -> AliasSummary:
    """An alias of `summary_json` read back (for pages that show a kept summary)."""
    numeric = found["numeric"]
    categorical = found["categorical"]
    latency = found["latency_ms"]
    usage = found["usage"]
    return AliasSummary(
        alias=alias,
        task_type=found["task_type"],
        cells=found["cells"],
        errors=found["errors"],
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        cost_usd=usage["cost_usd"],
        numeric=None
        if numeric is None
        else Distribution(
            **{**numeric, "ci95": None if numeric["ci95"] is None else tuple(numeric["ci95"])}
        ),
        categorical=None
        if categorical is None
        else Categories(
            count=categorical["count"],
            distinct=categorical["distinct"],
            values=[Category(**value) for value in categorical["values"]],
            other=categorical["other"]["count"],
        ),
        latency_ms=None if latency is None else Latency(**latency),
        consistency=None if found["consistency"] is None else Consistency(**found["consistency"]),
    )


def _alias_json(summary: AliasSummary) -> dict[str, Any]:
    numeric = summary.numeric
    categorical = summary.categorical
    latency = summary.latency_ms
    return {
        "task_type": summary.task_type,
        "cells": summary.cells,
        "errors": summary.errors,
        "numeric": None
        if numeric is None
        else {
            "count": numeric.count,
            "mean": numeric.mean,
            "std": numeric.std,
            "min": numeric.min,
            "p50": numeric.p50,
            "p90": numeric.p90,
            "max": numeric.max,
            "ci95": None if numeric.ci95 is None else list(numeric.ci95),
        },
        "categorical": None
        if categorical is None
        else {
            "count": categorical.count,
            "distinct": categorical.distinct,
            "values": [
                {"value": c.value, "count": c.count, "share": c.share} for c in categorical.values
            ],
            "other": {
                "count": categorical.other,
                "share": categorical.other / categorical.count,
            },
        },
        "latency_ms": None
        if latency is None
        else {"count": latency.count, "p50": latency.p50, "p90": latency.p90, "p99": latency.p99},
        "consistency": None
        if summary.consistency is None
        else {
            "repeats": summary.consistency.repeats,
            "rows": summary.consistency.rows,
            "changed_share": summary.consistency.changed_share,
            "pass_all": summary.consistency.pass_all,
            "pass_rate": summary.consistency.pass_rate,
        },
        "usage": {
            "prompt_tokens": summary.prompt_tokens,
            "completion_tokens": summary.completion_tokens,
            "total_tokens": summary.prompt_tokens + summary.completion_tokens,
            "cost_usd": summary.cost_usd,
        },
    }


evaluation_summary_service = EvaluationSummaryService()
