"""What a model's reply that has no usable choice says for itself, for the cell's error."""

from yardstick.provider.errors import quoted
from yardstick.task.context import ChatAnswer


def why_no_choice(answer: ChatAnswer, exc: Exception) -> str:
    """The message of an error body (some vendors answer 200 with one), without the call's key
    or the server's, as a failed call's message; else what was missing."""
    error = answer.response.get("error")
    message = error.get("message") if isinstance(error, dict) else error
    if isinstance(message, str) and message:
        return f"the vendor said {answer.hidden(quoted(message, 500))!r}"
    return repr(exc)
