"""The token counts a vendor's answer reports (`usage`), as a run stores, prices and sums them.

A vendor's `usage` is its own JSON: a count may come as text, a float, a negative number, a
number past 64 bits or a list. Priced, such a value failed the whole run (`"3" * price`);
stored, a count past 64 bits failed every later read of the evaluation. Anything but a whole
number from 0 to MAX_CALL_TOKENS is therefore no count (None): the cell keeps its result, and
its `details` keep the vendor's `usage` as it came.
"""

from dataclasses import dataclass
from typing import Any

# No model reads or writes ten billion tokens in one call; the bound keeps an evaluation's sums
# (up to ~900 million calls at the bound) within the 64 bits its columns and JSON hold.
MAX_CALL_TOKENS = 10**10


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def usage_of(response: Any) -> Usage:
    """The prompt and completion tokens a chat or inference answer reports, None where it
    reports none that can be a count."""
    usage = response.get("usage") if isinstance(response, dict) else None
    if not isinstance(usage, dict):
        return Usage()
    return Usage(_count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")))


def _count(value: Any) -> int | None:
    # `type(...) is int`: a JSON true is a bool, which Python counts as the integer 1.
    return value if type(value) is int and 0 <= value <= MAX_CALL_TOKENS else None
