"""LLM-as-judge: ask a model for a constrained answer, check it exactly, ask again if it is wrong.

Objects:

- `answers.AnswerSpec`, one per answer kind (categorical choice, rating, number, free text,
  form): the instruction text, the answer's JSON Schema, and the exact check that turns a reply
  into the typed value stored as the cell's result.
- `decoding`: the vendor's constrained-decoding mode (`guided_decoding` in the providers file:
  `openai` structured outputs, `vllm` guided_choice/guided_json, or `none`), the request keys of
  each mode, and reply parsing.
- `prompts`: the first ask and the correction of a re-ask.
- `loop.ask_until_valid`: the re-ask loop; `service.judge_service` holds the two judges that the
  `auto_evaluation.guided_decoding` (with `choices`) and `auto_evaluation.question` task types
  call; `structured.structure` answers with an object valid against a caller's JSON Schema
  (guided decoding with `response_format`), and `agent.run_agent` is the agent judge
  (`auto_evaluation.agent`).

Flow of one cell: build the messages → add the mode's constraint to the body (plus the task's
`inference_args`) → call → parse and check the reply → valid: the typed value, with every raw
reply, the number of asks, summed usage, the mode and (for questions) the rationale in the
cell's details. Invalid: append the reply and a correction naming the problem, and ask again, at
most YARDSTICK_JUDGE_MAX_REASKS times.

Failure modes (each a cell error, never a failed run): a reply that never validates →
`InvalidJudgeAnswer` with the last reply; a provider error → its own type (the provider layer has
already retried it); a form schema whose `$ref` cannot be resolved → `InvalidQuestion`. A failed
cell keeps the replies and tokens of the asks it made. Constrained decoding is never trusted: a
vendor that ignores it, or a reply cut short by `max_tokens`, is caught by the same check.
"""

from yardstick.judge.service import JudgeService, judge_service

__all__ = ["JudgeService", "judge_service"]
