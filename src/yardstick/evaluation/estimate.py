"""`dry_run: true` on an evaluation create: what the run would call and cost, creating nothing.

Per task that calls a model, over every row: one call per item whose locators resolve (an item
missing a field the task reads errors without a call); prompt tokens from the resolved
configuration's text at four characters a token (the usual rule of thumb for English; no
tokenizer is downloaded), plus a fixed allowance for the instructions a judge adds; completion
tokens from the task's `max_tokens` (or `max_completion_tokens`), else a typical reply length
for its type; cost at the model's price (yardstick.provider.prices). An earlier task's result,
read by a later one, counts as a reply of that task's estimated length, unless that task's
locators fail on the item (then the reader errors too, without a call). Conditional tasks are
counted as if their condition held, and judges' re-asks are not counted: the figures are an
upper bound on calls and a rough guide to tokens, not a quote.
"""

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.inference_model.service import resolve_registered_model
from yardstick.provider import ProviderError, get_providers, wants_registered
from yardstick.provider.prices import Price
from yardstick.rubric.snapshot import RUBRIC_CRITERIA
from yardstick.task.locator import NEVER_RESOLVED, LocatorError, UpstreamError, resolve
from yardstick.task.registry import REGISTRY
from yardstick.task.spec import is_executable

CHARS_PER_TOKEN = 4
# Tokens a judge adds around the item: its instructions, the answer format, the choices.
JUDGE_PROMPT_TOKENS = 150
JUDGES = frozenset(
    {"auto_evaluation.guided_decoding", "auto_evaluation.question", "auto_evaluation.agent"}
)
# A reply's length when the task sets no limit: a free-text answer, or a judge's verdict.
REPLY_TOKENS = {
    "auto_evaluation.guided_decoding": 16,
    "auto_evaluation.question": 64,
    "auto_evaluation.agent": 200,
}
DEFAULT_REPLY_TOKENS = 256


@dataclass
class TaskEstimate:
    alias: str
    task_type: str
    model: str
    price: Price | None
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def cost_usd(self) -> float | None:
        if self.price is None:
            return None
        return self.price.cost(self.prompt_tokens, self.completion_tokens)

    def as_json(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "task_type": self.task_type,
            "model": self.model,
            "model_calls": self.model_calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": _usd(self.cost_usd),
            "price": None
            if self.price is None
            else {
                "input_per_million": self.price.input_per_million,
                "output_per_million": self.price.output_per_million,
            },
        }


def _usd(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _reply_tokens(task: dict[str, Any]) -> int:
    config = task["configuration"]
    for key in ("max_tokens", "max_completion_tokens"):
        limit = config.get(key)
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
            return limit
    return REPLY_TOKENS.get(task["task_type"], DEFAULT_REPLY_TOKENS)


def _price(session: Session, principal: Principal, model: str) -> Price | None:
    providers = get_providers()
    registered = (
        resolve_registered_model(session, principal.account_id, model)
        if wants_registered(model)
        else None
    )
    try:
        return providers.price(providers.route(model, registered))
    except ProviderError:  # validation has refused such a model already; never priced
        return None


def estimate(
    session: Session, principal: Principal, *, tasks: list[dict[str, Any]], rows: list[str]
) -> dict[str, Any]:
    """The dry run's answer for `tasks` (validated) over `rows` (each a JSON object's text)."""
    estimates: list[TaskEstimate] = []
    # What each earlier task's result looks like to a later one: a reply of its length.
    placeholders: dict[str, Any] = {}
    for task in tasks:
        model = REGISTRY[task["task_type"]].model_for(task["configuration"])
        if is_executable(task) and model is not None:
            reply = _reply_tokens(task)
            estimates.append(
                TaskEstimate(
                    task["alias"], task["task_type"], model, _price(session, principal, model)
                )
            )
            placeholders[task["alias"]] = "x" * (reply * CHARS_PER_TOKEN)
        else:
            placeholders[task["alias"]] = None
    by_alias = {e.alias: e for e in estimates}
    for text in rows:
        data = orjson.loads(text)
        item = {**placeholders, **data} if isinstance(data, dict) else dict(placeholders)
        # The tasks whose cell errors on this item as the engine's would: a missing field, or
        # an earlier such task read. Their readers error too, calling nothing.
        failed: set[str] = set()
        for task in tasks:
            if not is_executable(task):
                continue
            try:
                resolved = {
                    key: value
                    for key, value in task["configuration"].items()
                    if key not in NEVER_RESOLVED
                }
                chars = len(orjson.dumps(resolve(resolved, item, failed)))
            except (LocatorError, UpstreamError):
                failed.add(task["alias"])
                continue  # the cell errors before any call
            found = by_alias.get(task["alias"])
            if found is None:
                continue
            if task["task_type"] == "auto_evaluation.agent":
                chars += len(text)  # an agent is shown the item's fields by name
            criteria = task["configuration"].get(RUBRIC_CRITERIA)
            if criteria:  # an agent's pinned rubric, shown in full (never resolved)
                chars += len(orjson.dumps(criteria))
            found.model_calls += 1
            found.prompt_tokens += -(-chars // CHARS_PER_TOKEN) + (
                JUDGE_PROMPT_TOKENS if task["task_type"] in JUDGES else 0
            )
            found.completion_tokens += _reply_tokens(task)
    costs = [e.cost_usd for e in estimates]
    return {
        "object": "evaluation.dry_run",
        "dry_run": True,
        "items": len(rows),
        "model_calls": sum(e.model_calls for e in estimates),
        "prompt_tokens": sum(e.prompt_tokens for e in estimates),
        "completion_tokens": sum(e.completion_tokens for e in estimates),
        "cost_usd": _usd(sum(c for c in costs if c is not None)),
        # Tasks whose model has no price: their calls are not in `cost_usd`.
        "unpriced_aliases": [e.alias for e in estimates if e.price is None],
        "tasks": [e.as_json() for e in estimates],
    }
