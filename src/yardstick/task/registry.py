"""The task-type registry: name → TaskType, and inference of `task_type` from a config's shape.

A task type validates its configuration at create time (and pins what it names, see `pin`) and
executes on one item at run time.
`executable` is False for types that never run on their own (human annotation).
"""

from typing import Any, ClassVar

from yardstick.task.context import ExecContext, TaskOutput
from yardstick.task.validation import Loc, ValidationContext


class TaskType:
    name: ClassVar[str]
    default_alias: ClassVar[str]
    executable: ClassVar[bool] = True
    # Whether the type honours a `run_condition` (yardstick.task.run_condition): the runner then
    # evaluates it on each item first and stores a `skipped` cell, without a model call, when
    # it does not hold.
    conditional: ClassVar[bool] = False

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        raise NotImplementedError

    def pin(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> dict[str, Any]:
        """The configuration as stored, after `validate`: with what it names in the account
        fixed where every run must see the same thing (an agent's rubric criteria). A 422
        naming the field when what it names cannot be used."""
        return config

    def alias_for(self, config: dict[str, Any]) -> str:
        return self.default_alias

    def model_for(self, config: dict[str, Any]) -> str | None:
        """The model a cell calls (its route is resolved once per chunk), or None."""
        model = config.get("model")
        return model if isinstance(model, str) else None

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        """Run on one item; `config` has its locators resolved. Raise TaskFailure on error.

        Only executable types are ever run, and each of them implements this.
        """
        raise NotImplementedError


REGISTRY: dict[str, TaskType] = {}


def register(task_type: type[TaskType]) -> type[TaskType]:
    REGISTRY[task_type.name] = task_type()
    return task_type


METRIC_TYPES = ("bleu", "meteor", "cosine_similarity", "f1", "rouge1", "rouge2", "rougeL")


def infer_task_type(config: dict[str, Any]) -> str | None:
    """The task type a configuration without `task_type` means, tried in the SDK's union order."""
    if "messages" in config:
        return "chat_completion"
    if "application_variant_id" in config:
        return "application_variant"
    if "agentex_agent_id" in config:
        return "agentex_output"
    if config.get("type") in METRIC_TYPES:
        return "metric"
    if "choices" in config or "response_format" in config:
        return "auto_evaluation.guided_decoding"
    if {"output_rules", "definition"} <= config.keys():
        return "auto_evaluation.agent"
    if "layout" in config:
        return "contributor_evaluation.question"
    if {"question_id", "prompt", "model"} <= config.keys():
        return "auto_evaluation.question"
    if "model" in config and config.keys() <= {
        "model",
        "args",
        "inference_configuration",
        "run_condition",
    }:
        return "inference"
    if "function_source" in config:
        return "custom_function"
    return None
