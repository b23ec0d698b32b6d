"""`auto_evaluation.guided_decoding`: one of three configuration shapes, told apart by a key.

- `choices`: the judge picks exactly one of them (the chosen string is stored);
- `response_format`: structured output (yardstick.task.structured_output);
- `output_rules`: the agent judge's configuration (yardstick.task.agent).

Each shape takes a `run_condition`.
"""

from typing import Any, Literal

from yardstick.judge import judge_service
from yardstick.task import agent, structured_output
from yardstick.task.context import ExecContext, TaskFailure, TaskOutput
from yardstick.task.registry import TaskType, register
from yardstick.task.run_condition import check_run_condition
from yardstick.task.validation import Loc, ValidationContext, check, check_model, check_str, fail

Shape = Literal["choices", "response_format", "output_rules"]
SHAPES: tuple[Shape, ...] = ("choices", "response_format", "output_rules")


def shape_of(config: dict[str, Any]) -> Shape:
    """The shape a configuration has (`choices` when it names none, so that is what is missing)."""
    return next((key for key in SHAPES if key in config), "choices")


@register
class GuidedDecoding(TaskType):
    name = "auto_evaluation.guided_decoding"
    default_alias = "auto_evaluation_guided_decoding"
    conditional = True

    def validate(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
        present = [key for key in SHAPES if key in config]
        if len(present) > 1:
            fail(
                [*loc, present[1]],
                f"give only one of {', '.join(SHAPES)}: they are three different configurations "
                "(choices, structured output, agent)",
            )
        shape = shape_of(config)
        if shape == "response_format":
            structured_output.validate(config, loc, ctx)
        elif shape == "output_rules":
            agent.validate_agent(config, loc, ctx)
        else:
            self._validate_choices(config, loc, ctx)

    def pin(self, config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> dict[str, Any]:
        if shape_of(config) == "output_rules":
            return agent.pin_agent(config, loc, ctx)
        return config

    def model_for(self, config: dict[str, Any]) -> str | None:
        if shape_of(config) == "output_rules":
            return agent.agent_model(config)
        return super().model_for(config)

    @staticmethod
    def _validate_choices(config: dict[str, Any], loc: Loc, ctx: ValidationContext) -> None:
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
        check_run_condition(config, loc)

    async def execute(self, config: dict[str, Any], ctx: ExecContext) -> TaskOutput:
        shape = shape_of(config)
        if shape == "response_format":
            return await structured_output.execute(config, ctx)
        if shape == "output_rules":
            return await agent.execute_agent(config, ctx)
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
