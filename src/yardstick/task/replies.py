"""What a model's reply that has no usable choice says for itself, for the cell's error."""

from typing import Any

from yardstick.ops.logs import scrub
from yardstick.provider.errors import quoted


def why_no_choice(response: dict[str, Any], exc: Exception) -> str:
    """The message of an error body (some vendors answer 200 with one; the server's keys
    hidden, as in a failed call's message), else what was missing."""
    error = response.get("error")
    message = error.get("message") if isinstance(error, dict) else error
    if isinstance(message, str) and message:
        return f"the vendor said {scrub(quoted(message, 500))!r}"
    return repr(exc)
