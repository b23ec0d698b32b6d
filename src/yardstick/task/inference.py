from typing import Any

from yardstick.provider import ProviderError
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_model


@register
class Inference(TaskType):
    name = "inference"
    default_alias = "inference"

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_model(config, loc, ctx)
        check(config, "args", dict, loc, locator_ok=True)
        settings = check(config, "inference_configuration", dict, loc, locator_ok=True)
        if isinstance(settings, dict):
            inner = [*loc, "inference_configuration"]
            check(settings, "num_retries", int, inner)
            check(settings, "timeout_seconds", int, inner)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        args = config.get("args") or {}
        if not isinstance(args, dict):
            raise TaskFailure("InvalidConfiguration", "`args` must resolve to an object")
        settings = config.get("inference_configuration") or {}
        limits: dict[str, Any] = {}
        if isinstance(settings.get("timeout_seconds"), int):
            limits["timeout"] = float(settings["timeout_seconds"])
        if isinstance(settings.get("num_retries"), int):
            limits["max_attempts"] = settings["num_retries"] + 1
        try:
            result = await ctx.providers.inference(ctx.route(config["model"]), args, **limits)
        except ProviderError as exc:
            raise TaskFailure(
                exc.type, exc.message, attempts=exc.attempts, status_code=exc.status_code
            ) from exc
        usage = result.response.get("usage") if isinstance(result.response, dict) else None
        usage = usage if isinstance(usage, dict) else {}
        return TaskOutput(
            value=result.response,
            details={"usage": usage or None},
            latency_ms=result.latency_ms,
            attempts=result.attempts,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )
