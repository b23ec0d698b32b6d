from typing import Any

from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_str


@register
class ApplicationVariant(TaskType):
    name = "application_variant"
    default_alias = "application_variant"

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_str(config, "application_variant_id", loc, required=True)
        check(config, "inputs", dict, loc, required=True, locator_ok=True)
        check(config, "history", list, loc, locator_ok=True)
        check(config, "operation_metadata", dict, loc, locator_ok=True)
        check(config, "overrides", dict, loc, locator_ok=True)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        raise TaskFailure(
            "UnsupportedTask",
            f"application_variant task for application variant {config['application_variant_id']!r} "
            "cannot run: Yardstick has no application runtime",
        )
