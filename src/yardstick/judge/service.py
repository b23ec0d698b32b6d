"""The two judges the engine runs: pick one of a task's choices, or answer a stored question."""

from typing import Any

from yardstick.judge.answers import ChoiceAnswer, spec_for_question
from yardstick.judge.loop import ask_until_valid, decoding_mode
from yardstick.judge.prompts import choice_messages, question_messages
from yardstick.task.context import ExecContext, TaskOutput


class JudgeService:
    async def choose(
        self,
        ctx: ExecContext,
        *,
        model: str,
        prompt: str,
        choices: list[str],
        system_prompt: str | None = None,
        inference_args: dict[str, Any] | None = None,
    ) -> TaskOutput:
        """`auto_evaluation.guided_decoding`: the value is the chosen string."""
        mode = decoding_mode(ctx, model)
        spec = ChoiceAnswer(choices)
        messages = choice_messages(prompt, spec, system_prompt=system_prompt, mode=mode)
        _, output = await ask_until_valid(
            ctx, model, messages, spec, "choice", mode=mode, inference_args=inference_args
        )
        return output

    async def answer_question(
        self, ctx: ExecContext, *, model: str, prompt: str, question_id: str
    ) -> TaskOutput:
        """`auto_evaluation.question`: the value is typed by the question; the rationale is kept
        in the cell's details."""
        question = ctx.question(question_id)
        mode = decoding_mode(ctx, model)
        spec = spec_for_question(question["question_type"], question["configuration"])
        messages = question_messages(prompt, question["prompt"], spec, mode=mode)
        parsed, output = await ask_until_valid(
            ctx,
            model,
            messages,
            spec,
            "verdict",
            mode=mode,
            details={"question_id": question_id, "question_type": question["question_type"]},
        )
        assert output.details is not None
        output.details["rationale"] = parsed.rationale
        return output


judge_service = JudgeService()
