"""The task-type registry: name → TaskType, and inference of `task_type` from a config's shape.

A task type validates its configuration at create time and executes on one item at run time.
`executable` is False for types that never run on their own (human annotation).
"""

from typing import Any, ClassVar

from yardstick.task.context import ExecContext, TaskOutput
from yardstick.task.validation import Loc, ValidationContext


class TaskType:
    name: ClassVar[str]
    default_alias: ClassVar[str]
    executable: ClassVar[bool] = True

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        raise NotImplementedError

    def alias_for(self, config: dict[str, Any]) -> str:
        return self.default_alias

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
    """CONTRACT §6 row 6, in the SDK's union order."""
    if "messages" in config:
        return "chat_completion"
    if "application_variant_id" in config:
        return "application_variant"
    if config.get("type") in METRIC_TYPES:
        return "metric"
    if "choices" in config:
        return "auto_evaluation.guided_decoding"
    if "layout" in config:
        return "contributor_evaluation.question"
    if {"question_id", "prompt", "model"} <= config.keys():
        return "auto_evaluation.question"
    if "model" in config and config.keys() <= {"model", "args", "inference_configuration"}:
        return "inference"
    return None
