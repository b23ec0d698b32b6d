"""What a cell may hold: what its columns can store on both databases.

A task's value and details come from outside (a model's reply, a judge's answer, a custom
function's result, a vendor's `usage`), and one that cannot be written used to fail the whole
group commit it was in, and so the run: JSON nested past orjson's 254 levels, an integer past
64 bits, a NUL character in an error message (PostgreSQL's text refuses it). Checked per cell
instead, such a value makes that one cell an error.
"""

from typing import Any

import orjson

from yardstick.kit.body import INT_RANGE

UNSTORABLE = "UnstorableResult"


def unstorable(value: Any) -> str | None:
    """Why `value` cannot be stored as a cell's JSON, or None when it can."""
    kind = type(value)
    if value is None or kind is str or kind is float or kind is bool:
        return None
    if kind is int:
        low, high = INT_RANGE
        return None if low <= value <= high else "an integer past 64 bits"
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        return str(exc)
    return None


def plain_text(message: str | None) -> str | None:
    """An error message as text columns on both databases take it: NUL shown as U+FFFD."""
    if message is None or "\x00" not in message:
        return message
    return message.replace("\x00", "\ufffd")
