"""What a model call costs: USD per million input and output tokens, per vendor and model.

Built in: the list prices OpenAI and Anthropic published for their common models (standard
tier, no batch or cache discounts). The providers file overrides or adds entries per vendor:

    [vendors.openai.prices]
    "gpt-4o" = { input = 2.5, output = 10.0 }
    "my-fine-tune" = { input = 3.0, output = 12.0 }

A model is priced by its upstream name: the exact name first, else the longest listed name it
starts with followed by `-`, so dated snapshots (`gpt-4o-2024-08-06`,
`claude-3-5-sonnet-20241022`) take their family's price. A model with no price has no cost
(null), never a guessed one.
"""

from collections.abc import Mapping
from dataclasses import dataclass

PER = 1_000_000


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, prompt_tokens: int | None, completion_tokens: int | None) -> float:
        return (
            (prompt_tokens or 0) * self.input_per_million
            + (completion_tokens or 0) * self.output_per_million
        ) / PER


BUILT_IN: dict[str, dict[str, Price]] = {
    "openai": {
        "gpt-5": Price(1.25, 10.0),
        "gpt-5-mini": Price(0.25, 2.0),
        "gpt-5-nano": Price(0.05, 0.4),
        "gpt-4.1": Price(2.0, 8.0),
        "gpt-4.1-mini": Price(0.4, 1.6),
        "gpt-4.1-nano": Price(0.1, 0.4),
        "gpt-4o": Price(2.5, 10.0),
        "gpt-4o-mini": Price(0.15, 0.6),
        "gpt-4-turbo": Price(10.0, 30.0),
        "gpt-4": Price(30.0, 60.0),
        "gpt-3.5-turbo": Price(0.5, 1.5),
        "o1": Price(15.0, 60.0),
        "o1-mini": Price(1.1, 4.4),
        "o3": Price(2.0, 8.0),
        "o3-mini": Price(1.1, 4.4),
        "o4-mini": Price(1.1, 4.4),
    },
    "anthropic": {
        "claude-opus-4-1": Price(15.0, 75.0),
        "claude-opus-4": Price(15.0, 75.0),
        "claude-sonnet-4-5": Price(3.0, 15.0),
        "claude-sonnet-4": Price(3.0, 15.0),
        "claude-3-7-sonnet": Price(3.0, 15.0),
        "claude-3-5-sonnet": Price(3.0, 15.0),
        "claude-haiku-4-5": Price(1.0, 5.0),
        "claude-3-5-haiku": Price(0.8, 4.0),
        "claude-3-opus": Price(15.0, 75.0),
        "claude-3-haiku": Price(0.25, 1.25),
    },
}


def lookup(prices: Mapping[str, Price], model: str) -> Price | None:
    """The price of `model`: its own entry, else its longest family's (see the module doc)."""
    found = prices.get(model)
    if found is not None:
        return found
    family = max((name for name in prices if model.startswith(name + "-")), key=len, default=None)
    return None if family is None else prices[family]
