from typing import Any

from yardstick.judge import judge_service
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import TaskType, register
from yardstick.task.run_condition import check_run_condition
from yardstick.task.validation import Loc, ValidationContext, check_model, check_question, check_str


@register
class AutoEvaluationQuestion(TaskType):
    name = "auto_evaluation.question"
    default_alias = "auto_evaluation_question"
    # Like every judge type, though SGP's schema for this one has no run_condition.
    conditional = True

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_model(config, loc, ctx)
        check_str(config, "prompt", loc, required=True)
        check_question(config, loc, ctx)
        check_run_condition(config, loc)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        prompt = config.get("prompt")
        if not isinstance(prompt, str):
            raise TaskFailure("InvalidConfiguration", "`prompt` must be a string")
        return await judge_service.answer_question(
            ctx, model=config["model"], prompt=prompt, question_id=config["question_id"]
        )
