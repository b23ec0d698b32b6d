from typing import Any

from yardstick.judge import judge_service
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import TaskType, register
from yardstick.task.validation import Loc, ValidationContext, check, check_model, check_str, fail


@register
class GuidedDecoding(TaskType):
    name = "auto_evaluation.guided_decoding"
    default_alias = "auto_evaluation_guided_decoding"

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        check_model(config, loc, ctx)
        check_str(config, "prompt", loc, required=True)
        choices = check(config, "choices", list, loc, required=True)
        if not choices:
            fail([*loc, "choices"], "must hold at least one choice")
        for index, choice in enumerate(choices):
            if not isinstance(choice, str) or not choice:
                fail([*loc, "choices", index], "must be a non-empty string")
        if len(set(choices)) != len(choices):
            fail([*loc, "choices"], "choices must be distinct")
        check_str(config, "system_prompt", loc)
        check(config, "inference_args", dict, loc)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        # Templates in `prompt`, `system_prompt` and `choices` are filled in by now, so check
        # what they became.
        prompt, system_prompt = config.get("prompt"), config.get("system_prompt")
        choices, inference_args = config.get("choices"), config.get("inference_args")
        if not isinstance(prompt, str) or not isinstance(system_prompt, str | None):
            raise TaskFailure("InvalidConfiguration", "`prompt` and `system_prompt` must be text")
        if not (
            isinstance(choices, list)
            and choices
            and all(isinstance(choice, str) and choice for choice in choices)
            and len(set(choices)) == len(choices)
        ):
            raise TaskFailure("InvalidConfiguration", "`choices` must be distinct non-empty text")
        if inference_args is not None and not isinstance(inference_args, dict):
            raise TaskFailure("InvalidConfiguration", "`inference_args` must be an object")
        return await judge_service.choose(
            ctx,
            model=config["model"],
            prompt=prompt,
            choices=choices,
            system_prompt=system_prompt,
            inference_args=inference_args,
        )
