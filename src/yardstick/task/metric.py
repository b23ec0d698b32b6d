"""`metric`: a reference-based score of a candidate text (SGP's definitions: yardstick.scoring)."""

import time
from typing import Any

from yardstick.scoring.errors import ScoringError
from yardstick.scoring.metrics import details
from yardstick.scoring.service import cosine_problem, get_scorer
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import METRIC_TYPES, TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check_str, fail


@register
class Metric(TaskType):
    name = "metric"
    default_alias = "metric"

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        metric_type = check_str(config, "type", loc, required=True)
        if metric_type not in METRIC_TYPES:
            fail(
                [*loc, "type"],
                f"unknown metric type {metric_type!r}; one of {', '.join(METRIC_TYPES)}",
            )
        check_str(config, "candidate", loc, required=True)
        check_str(config, "reference", loc, required=True)
        if metric_type == "cosine_similarity":
            # No embedder here (the embeddings extra not installed and no endpoint configured),
            # or a configured one that cannot work: say what to install or set, before any cell.
            problem = cosine_problem()
            if problem is not None:
                fail([*loc, "type"], problem)

    def alias_for(self, config: dict[str, Any]) -> str:
        return str(config["type"])  # a metric's results column is named after the metric

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        metric_type = config["type"]
        for key in ("candidate", "reference"):
            value = config.get(key)
            if not isinstance(value, str):
                shown = "null" if value is None else f"{type(value).__name__} {str(value)[:80]!r}"
                message = f"metric {key} must be a string, got {shown}"
                raise TaskFailure("InvalidMetricInput", message)
        scorer = get_scorer()
        started = time.perf_counter()
        try:
            value = await scorer.score(metric_type, config["candidate"], config["reference"])
        except ScoringError as exc:
            raise TaskFailure(exc.type, exc.message) from exc
        return TaskOutput(
            value=value,
            details=details(metric_type, scorer.options),
            latency_ms=(time.perf_counter() - started) * 1000,
        )
