"""Structured output: the judge's reply is a JSON object valid against the caller's JSON Schema.

The `object` reply format (see `decoding`) sends the schema itself as the constraint
(`response_format` json_schema, or vLLM `guided_json`) and stores the parsed object, checked
against the schema like a form question's answer.
"""

from typing import Any

from yardstick.judge.answers import FormAnswer
from yardstick.judge.loop import ask_until_valid, decoding_mode
from yardstick.judge.prompts import choice_messages
from yardstick.task.context import ExecContext, TaskOutput


class StructuredAnswer(FormAnswer):
    """A JSON object valid against the task's `response_format` schema."""

    kind = "structured_output"
    schema_label = "the response_format schema"

    def __init__(self, schema: dict[str, Any], *, strict: bool) -> None:
        super().__init__(schema)
        # Only the caller knows whether the schema keeps to OpenAI strict mode's subset.
        self.strict = strict


async def structure(
    ctx: ExecContext,
    *,
    model: str,
    prompt: str,
    schema: dict[str, Any],
    schema_name: str,
    strict: bool,
    system_prompt: str | None = None,
    inference_args: dict[str, Any] | None = None,
) -> TaskOutput:
    """`auto_evaluation.guided_decoding` with `response_format`: the value is the object."""
    mode = decoding_mode(ctx, model)
    spec = StructuredAnswer(schema, strict=strict)
    messages = choice_messages(
        prompt, spec, system_prompt=system_prompt, mode=mode, reply_format="object"
    )
    _, output = await ask_until_valid(
        ctx,
        model,
        messages,
        spec,
        "object",
        mode=mode,
        inference_args=inference_args,
        schema_name=schema_name,
    )
    return output
