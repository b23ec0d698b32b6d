from typing import Any

from yardstick.errors import Unprocessable
from yardstick.inference.schemas import MAX_CALL_RETRIES, MAX_CALL_TIMEOUT_SECONDS
from yardstick.provider import ProviderError
from yardstick.provider.usage import usage_of
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import TaskType, register
from yardstick.task.run_condition import check_run_condition
from yardstick.task.validation import Loc, ValidationContext, check, check_model, fail


def _limits(settings: dict[str, Any], loc: Loc) -> dict[str, Any]:
    """The provider call's limits an `inference_configuration` sets, by the rules of
    `POST /v5/inference`: a 422 at the bad field."""
    limits: dict[str, Any] = {}
    retries = check(settings, "num_retries", int, loc)
    if retries is not None:
        if not 0 <= retries <= MAX_CALL_RETRIES:
            fail([*loc, "num_retries"], f"must be from 0 to {MAX_CALL_RETRIES}")
        limits["max_attempts"] = retries + 1
    timeout = check(settings, "timeout_seconds", int, loc)
    if timeout is not None:
        if not 0 < timeout <= MAX_CALL_TIMEOUT_SECONDS:
            fail([*loc, "timeout_seconds"], f"must be from 1 to {MAX_CALL_TIMEOUT_SECONDS}")
        limits["timeout"] = float(timeout)
    return limits


def _object(config: dict[str, Any], key: str) -> dict[str, Any]:
    value = config.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TaskFailure(
            "InvalidConfiguration", f"`{key}` must resolve to an object, got {type(value).__name__}"
        )
    return value


@register
class Inference(TaskType):
    name = "inference"
    default_alias = "inference"
    # As chat_completion (SGP's schema has none): the condition decides whether to call at all.
    conditional = True

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_model(config, loc, ctx)
        check(config, "args", dict, loc, locator_ok=True)
        settings = check(config, "inference_configuration", dict, loc, locator_ok=True)
        if isinstance(settings, dict):
            _limits(settings, [*loc, "inference_configuration"])
        check_run_condition(config, loc)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        # Either may be a locator: only now is it known what it is on this item, so what
        # `validate` checks of a literal is checked here too.
        args = _object(config, "args")
        try:
            limits = _limits(
                _object(config, "inference_configuration"), ["inference_configuration"]
            )
        except Unprocessable as exc:
            (error,) = exc.detail
            where = ".".join(map(str, error["loc"]))
            raise TaskFailure("InvalidConfiguration", f"`{where}` {error['msg']}") from exc
        try:
            result = await ctx.providers.inference(ctx.route(config["model"]), args, **limits)
        except ProviderError as exc:
            raise TaskFailure(
                exc.type, exc.message, attempts=exc.attempts, status_code=exc.status_code
            ) from exc
        reported = result.response.get("usage") if isinstance(result.response, dict) else None
        if not isinstance(reported, dict):
            reported = None
        usage = usage_of(result.response)
        return TaskOutput(
            value=result.response,
            details={"usage": reported or None},
            latency_ms=result.latency_ms,
            attempts=result.attempts,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )
